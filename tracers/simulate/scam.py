"""The scam, built by hand: clusters, victims, their payments and the money's first steps.

A cluster (one scam operation) has:
- a gas feeder: buys ether at an exchange and tops up every scam address with a little ether
  before it first sends tokens; victims' ether payments are forwarded to it;
- a payout address: seeded with the operators' own USDT, it pays each victim a first fake
  "profit" slightly above the victim's first payment (FinCEN FIN-2023-Alert005);
- collection addresses: one per victim (some victims are moved to a second one); a collection
  may pay a second, small profit, and sweeps each payment on to the victim's consolidator within
  hours, except the last payment of some victims, which stays (money at rest);
- 1-3 consolidators that start peel chains (peel.py) into money mules' exchange deposit
  addresses, the OTC desk and a merchant;
- money mules: exchange customers whose deposit addresses take the peels; some also deposit
  their own money there (always the first mule of a cluster, who also always takes a peel, so
  every world has a deposit where victim money is only part of what arrived; in the first cluster
  that mule banks at a batch-sweeping exchange when there is one).
Victims buy USDT (and ether for fees) at an exchange, then pay growing instalments over weeks.
A gas rental service also tops up a few collection addresses, as it does for thousands of
unrelated wallets: a tracer must not cluster through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from tracers.simulate import moves
from tracers.simulate.addresses import ZERO, AddressBook
from tracers.simulate.cast import Cast
from tracers.simulate.chain import DAY, ETHER, HOUR, USDT_UNIT, Asset, Timeline
from tracers.simulate.config import SimulationConfig
from tracers.simulate.confounders import Confounding
from tracers.simulate.exits import Exits, open_exits, plan_exits
from tracers.simulate.extra_victims import ExtraVictims
from tracers.simulate.ledger import Ledger, Schedule
from tracers.simulate.mules import Mule, hire_mule
from tracers.simulate.outsiders import OtherScamAddress, mix_mule_deposits, poison_tiny, share_broker
from tracers.simulate.peel import ChainRunner, PeelPlan, assign_targets, ensure_variety, plan_chain, use_mule
from tracers.simulate.poisoning import Poisoner, Poisoning
from tracers.simulate.records import Cluster, Payment, Profit, Sweep, Victim, cents
from tracers.simulate.scene import Scene
from tracers.simulate.twists import Twists

__all__ = ["Cluster", "Payment", "Profit", "ScamWorld", "Sweep", "Victim", "build_scam"]
MILLI_ETHER = ETHER // 1000
GAS_BUDGET_PER_ADDRESS = 12 * MILLI_ETHER


@dataclass(frozen=True)
class ScamWorld:
    """The scam part of a world: who is who, and its moves (ref = row of `moves`)."""

    clusters: list[Cluster]
    victims: list[Victim]
    poisonings: list[Poisoning]
    moves: pl.DataFrame
    ledger: Ledger
    confounding: Confounding = field(default_factory=Confounding)
    other_scam: list[OtherScamAddress] = field(default_factory=list)
    exits: Exits | None = None  # the pool, mixer and bridge of swap_then_peel, mixer_deposits, bridge_deposit

    def mule_deposits(self) -> tuple[np.ndarray, np.ndarray]:
        """(deposit address ids, exchange index) of every money mule."""
        mules = [mule for cluster in self.clusters for mule in [*cluster.mules, *cluster.ether_mules]]
        return (
            np.array([mule.deposit for mule in mules], dtype=np.int32),
            np.array([mule.exchange for mule in mules], dtype=np.int64),
        )


def build_scam(
    config: SimulationConfig,
    rng: np.random.Generator,
    book: AddressBook,
    cast: Cast,
    timeline: Timeline,
    confounding: Confounding | None = None,
) -> ScamWorld:
    """Plan the scam, then play it block by block (with the confounders switched on)."""
    sources = frozenset([ZERO, *map(int, cast.hot_wallets())] + ([cast.rental] if cast.rental is not None else []))
    scene = Scene(config, rng, book, cast, timeline, Ledger(sources), Schedule(), confounding or Confounding())
    return _ScamBuilder(scene).build()


@dataclass(frozen=True)
class _Flags:
    reported: np.ndarray
    rotated: np.ndarray
    eth_payer: np.ndarray
    at_rest: np.ndarray
    poisoned: np.ndarray


class _ScamBuilder:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.runner = ChainRunner(scene)
        self.poisoner = Poisoner(scene)
        self.poisonings: list[Poisoning] = []
        self.twists = Twists(scene)
        self.planned: list[tuple[Victim, list[Payment]]] = []

    def build(self) -> ScamWorld:
        config, scene = self.scene.config, self.scene
        flags = self._flags()
        counts = [len(range(c, config.victims, config.cluster_count)) for c in range(config.cluster_count)]
        clusters = [self._open_cluster(index, count) for index, count in enumerate(counts)]
        victims = [self._plan_victim(i, clusters[i % len(clusters)], flags) for i in range(config.victims)]
        extra = ExtraVictims(scene, clusters, len(victims), self._play_extra).all()
        self._confound(clusters, victims, extra)
        for cluster in clusters:
            self._seed_payout(cluster, [v for v in victims if v.cluster == cluster.index])
            self._rent_gas(cluster)
            cluster.chains = self._plan_chains(cluster)
        chains = [chain for cluster in clusters for chain in cluster.chains]
        ensure_variety(scene, chains)
        for chain in chains:
            assign_targets(scene, chain)
        for cluster in clusters:
            use_mule(cluster.chains, cluster.mules[0])
        other_scam = share_broker(scene, clusters[0].mules[0].deposit)
        exits = open_exits(scene, clusters)
        plan_exits(exits, chains)
        self.runner.exits = exits
        for chain in chains:
            self.runner.start(chain)
        scene.schedule.run()
        for cluster in clusters:
            family = [member for chain in cluster.chains for member in chain.family()]
            cluster.chains = [chain for chain in family if chain.launch_ref is not None]
        return ScamWorld(
            clusters,
            victims + extra,
            self.poisonings,
            moves.from_records(scene.ledger.rows),
            scene.ledger,
            scene.confounding,
            other_scam,
            exits,
        )

    def _confound(self, clusters: list[Cluster], victims: list[Victim], extra: list[Victim]) -> None:
        """The confounders that act on the planned scam as a whole (none act when all are off)."""
        everyone = victims + extra
        first_payment = {victim.index: payments[0].block for victim, payments in self.planned}
        self.twists.exchange_profits(clusters, everyone, first_payment)
        self.twists.consolidator_profits(clusters, everyone)
        self.poisonings += poison_tiny(self.scene, self.planned, clusters)
        mix_mule_deposits(self.scene, clusters)

    def _play_extra(
        self, scene: Scene, victim: Victim, cluster: Cluster, consolidator: int, payments: list[Payment]
    ) -> None:
        """Schedule an extra victim's payments and their sweeps, drawing from `scene`."""
        for payment in payments:
            scene.schedule.at(payment.block, self._pay, victim, payment)
        self.planned.append((victim, payments))
        self._move_on(victim, cluster, consolidator, payments, None, False, scene)

    def _flags(self) -> _Flags:
        config, rng = self.scene.config, self.scene.rng
        n = config.victims
        flags = _Flags(
            reported=rng.random(n) >= config.unreported_share,
            rotated=rng.random(n) < config.rotated_collection_share,
            eth_payer=rng.random(n) < config.eth_payment_share,
            at_rest=rng.random(n) < config.at_rest_victim_share,
            poisoned=rng.random(n) < config.poisoned_victim_share,
        )
        if not flags.reported.any():
            flags.reported[0] = True
        if n >= 2 and config.unreported_share > 0 and flags.reported.all():
            flags.reported[n - 1] = False
        first_reported = int(np.flatnonzero(flags.reported)[0])
        if config.eth_payment_share > 0 and not (flags.eth_payer & flags.reported).any():
            flags.eth_payer[first_reported] = True
        if config.at_rest_victim_share > 0 and not flags.at_rest.any():
            flags.at_rest[int(rng.integers(n))] = True
        if config.poisoned_victim_share > 0 and not flags.poisoned.any():
            flags.poisoned[int(rng.integers(n))] = True
        return flags

    def _open_cluster(self, index: int, victims: int) -> Cluster:
        scene, config = self.scene, self.scene.config
        start = 2 * DAY + scene.blocks(0, 2 * DAY)
        low, high = config.consolidators
        consolidator_count = min(int(scene.rng.integers(low, high + 1)), victims)
        cluster = Cluster(
            index=index,
            start=start,
            exchange=scene.exchange_for_people(),
            feeder=scene.book.one(scene.rng),
            payout=scene.book.one(scene.rng),
            consolidators=[int(a) for a in scene.book.new(scene.rng, consolidator_count)],
            mules=[self._mule(index, m) for m in range(int(scene.rng.integers(3, 7)))],
        )
        scene.confounding.feeder_exchange[cluster.feeder] = cluster.exchange
        chain_slots = consolidator_count * config.peel_chains[1] * config.peel_hops[1]
        budget = (2 * victims + 1 + consolidator_count + chain_slots) * GAS_BUDGET_PER_ADDRESS
        budget += scene.blocks(200, 1000) * MILLI_ETHER + self.twists.extra_gas_budget()
        scene.withdraw(start - scene.blocks(DAY, 1.5 * DAY), cluster.exchange, cluster.feeder, Asset.ETH, budget)
        for address in [cluster.payout, *cluster.consolidators]:
            scene.gas(start - scene.blocks(HOUR, 10 * HOUR), cluster.feeder, address)
        self.twists.add_consolidators(cluster)
        return cluster

    def _mule(self, cluster: int, number: int) -> Mule:
        """A cluster's first mule always banks own money too (and, in the first cluster, at a
        batch-sweeping exchange when there is one); the others are drawn."""
        scene, share = self.scene, self.scene.config.mule_own_money_share
        batch = [exchange.index for exchange in scene.cast.exchanges if exchange.batch_sweeps]
        exchange = batch[0] if cluster == number == 0 and batch else None
        return hire_mule(scene, exchange, own_money=(number == 0 and share > 0) or scene.chance(share))

    def _plan_victim(self, index: int, cluster: Cluster, flags: _Flags) -> Victim:
        scene, rng = self.scene, self.scene.rng
        victim = Victim(index, cluster.index, scene.book.one(rng), bool(flags.reported[index]), [scene.book.one(rng)])
        payments = self._payments(victim, cluster, bool(flags.rotated[index]), bool(flags.eth_payer[index]))
        consolidator = cluster.consolidators[cluster.victim_count % len(cluster.consolidators)]
        cluster.victim_count += 1
        cluster.collections.extend(victim.collections)
        self._buy_and_pay(victim, cluster, payments)
        second_profit = self._profits(victim, cluster, payments)
        self.planned.append((victim, payments))
        self._move_on(victim, cluster, consolidator, payments, second_profit, bool(flags.at_rest[index]))
        if flags.poisoned[index]:
            self._poison(victim, payments)
        return victim

    def _move_on(
        self,
        victim: Victim,
        cluster: Cluster,
        consolidator: int,
        payments: list[Payment],
        second_profit: Profit | None,
        at_rest: bool,
        scene: Scene | None = None,
    ) -> None:
        """Sweep each USDT payment (less a profit paid from it) to the consolidator, and ether
        payments to the gas feeder; an at-rest victim's last USDT payment stays put. `scene` draws
        the timing (the scam's own stream unless an extra victim's confounder plays it)."""
        scene = scene or self.scene
        last_usdt = max(k for k, payment in enumerate(payments) if payment.asset == Asset.USDT)
        for k, payment in enumerate(payments):
            if payment.asset == Asset.ETH:
                forward = scene.after(payment.block, 1, 6)
                scene.transfer(forward, Asset.ETH, payment.collection, cluster.feeder, payment.amount)
            elif not (at_rest and k == last_usdt):
                kept = second_profit.amount if second_profit and k == 1 else 0
                after = second_profit.block if second_profit and kept else payment.block
                block = scene.after(after, 2, 30)
                amount = payment.amount - kept
                amount -= self.twists.collection_profit(victim, payment, block, amount)
                for sweep in self.twists.split(cluster, payment.collection, consolidator, block, amount):
                    cluster.sweeps.append(sweep)
                    scene.schedule.at(sweep.block, self._sweep, sweep)

    def _poison(self, victim: Victim, payments: list[Payment]) -> None:
        """Poison after one or two USDT payments; the world's first poisoning includes a fake token."""
        rng = self.scene.rng
        usdt = [payment for payment in payments if payment.asset == Asset.USDT]
        picks = rng.choice(len(usdt), size=min(len(usdt), int(rng.integers(1, 3))), replace=False)
        for number, pick in enumerate(sorted(int(p) for p in picks)):
            fake = (number == 0 and not self.poisonings) or self.scene.chance(0.6)
            payment = usdt[pick]
            self.poisonings += self.poisoner.target(
                victim.address, payment.collection, payment.block, payment.amount, fake
            )

    def _payments(self, victim: Victim, cluster: Cluster, rotated: bool, eth_payer: bool) -> list[Payment]:
        scene, rng = self.scene, self.scene.rng
        count = int(rng.integers(3, 7))
        end = scene.timeline.n_blocks - 4 * DAY
        first = cluster.start + scene.blocks(0, 0.4 * (end - cluster.start))
        gaps = rng.uniform(0.5, 3.0, count - 1) * DAY
        if first + gaps.sum() > end:
            gaps *= (end - first) / gaps.sum()
        blocks = first + np.concatenate([[0], np.cumsum(np.maximum(gaps, HOUR))]).astype(np.int64)
        cents = [int(rng.integers(10_000, 80_001))]  # each payment 1.4x to 3x the one before
        for _ in range(count - 1):
            cents.append(scene.portion(cents[-1], 1.4, 3.0))
        assets = [Asset.USDT] * count
        amounts = [scene.usdt(c) for c in cents]
        if eth_payer:
            k = int(rng.integers(2, count))
            assets[k], amounts[k] = Asset.ETH, int(rng.integers(300, 4000)) * MILLI_ETHER
        rotate_at = count
        if rotated:
            victim.collections.append(scene.book.one(rng))
            rotate_at = int(rng.integers(1, count))
        return [
            Payment(int(block), asset, amount, victim.collections[0 if k < rotate_at else 1])
            for k, (block, asset, amount) in enumerate(zip(blocks, assets, amounts, strict=True))
        ]

    def _buy_and_pay(self, victim: Victim, cluster: Cluster, payments: list[Payment]) -> None:
        scene, rng = self.scene, self.scene.rng
        exchange = scene.exchange_for_people()
        fees = int(rng.integers(20, 100)) * MILLI_ETHER
        scene.withdraw(payments[0].block - scene.blocks(DAY, 2 * DAY), exchange, victim.address, Asset.ETH, fees)
        for payment in payments:
            extra = (
                int(rng.integers(0, 50)) * USDT_UNIT
                if payment.asset == Asset.USDT
                else int(rng.integers(10, 50)) * MILLI_ETHER
            )
            bought = payment.block - scene.blocks(HOUR, 20 * HOUR)
            extra, bought = self.twists.fast_buy(victim, payment, extra, bought)
            scene.withdraw(bought, exchange, victim.address, payment.asset, payment.amount + extra)
            scene.schedule.at(payment.block, self._pay, victim, payment)
            cluster.first_inflow.setdefault(payment.collection, payment.block)
        for collection in victim.collections:
            scene.gas(cluster.first_inflow[collection] - scene.blocks(10, 2000), cluster.feeder, collection)

    def _profits(self, victim: Victim, cluster: Cluster, payments: list[Payment]) -> Profit | None:
        scene = self.scene
        first, second = payments[0], payments[1]
        block = first.block + int((second.block - first.block) * scene.share(0.3, 0.8))
        victim.profits.append(Profit(block, cents(scene.portion(first.amount, 1.05, 1.25)), cluster.payout))
        later = None
        if second.asset == Asset.USDT and scene.chance(0.5):
            later = Profit(
                scene.after(second.block, 1, 8), cents(scene.portion(second.amount, 0.03, 0.1)), second.collection
            )
            victim.profits.append(later)
        for profit in victim.profits:
            scene.schedule.at(profit.block, self._profit, victim, profit)
        return later

    def _seed_payout(self, cluster: Cluster, victims: list[Victim]) -> None:
        scene = self.scene
        owed = sum(victim.profits[0].amount for victim in victims)
        seed = -(-scene.portion(owed, 1.1, 1.3) // (100 * USDT_UNIT)) * 100 * USDT_UNIT
        scene.withdraw(
            cluster.start - scene.blocks(2 * HOUR, 20 * HOUR), cluster.exchange, cluster.payout, Asset.USDT, seed
        )

    def _rent_gas(self, cluster: Cluster) -> None:
        scene = self.scene
        if scene.cast.rental is None:
            return
        picks = scene.rng.choice(len(cluster.collections), size=min(2, len(cluster.collections)), replace=False)
        for pick in sorted(int(p) for p in picks):
            collection = cluster.collections[pick]
            cluster.rental_funded.append(collection)
            block = cluster.first_inflow[collection] - scene.blocks(HOUR, 10 * HOUR)
            scene.gas(block, scene.cast.rental, collection, 0.001, 0.004)

    def _plan_chains(self, cluster: Cluster) -> list[PeelPlan]:
        scene = self.scene
        low, high = scene.config.peel_chains
        chains = []
        for consolidator in cluster.consolidators:
            sweeps = sorted(sweep.block for sweep in cluster.sweeps if sweep.dst == consolidator)
            if not sweeps:  # a consolidator added by split_sweeps that no split reached
                continue
            count = int(scene.rng.integers(low, high + 1))
            for number in range(count):
                if number == count - 1:
                    launch = scene.after(sweeps[-1], 6, 20)
                else:
                    launch = scene.after(sweeps[math.ceil(len(sweeps) * (number + 1) / count) - 1], 1, 6)
                chains.append(plan_chain(scene, cluster.index, consolidator, cluster.feeder, launch, cluster.mules))
        return chains

    def _pay(self, block: int, victim: Victim, payment: Payment) -> None:
        payment.ref = self.scene.ledger.move(block, payment.asset, victim.address, payment.collection, payment.amount)
        victim.payments.append(payment)

    def _profit(self, block: int, victim: Victim, profit: Profit) -> None:
        profit.ref = self.scene.ledger.move(block, Asset.USDT, profit.source, victim.address, profit.amount)

    def _sweep(self, block: int, sweep: Sweep) -> None:
        sweep.ref = self.scene.ledger.move(block, Asset.USDT, sweep.src, sweep.dst, sweep.amount)
