"""Confounders that add victims beside the configured ones (confounders.py describes each):

- busy_collection: 30-80 small victims pay one collection address directly; it sweeps as usual;
- deposit_as_platform: 1-3 victims pay straight into a money mule's exchange deposit address;
- exchange_funded_victims: 1-2 victims pay straight from an exchange withdrawal, so the sender the
  chain shows (and their report names) is the exchange's hot wallet.
Each victim is drawn from its confounder's own stream and numbered after the others.
"""

from __future__ import annotations

from collections.abc import Callable

from tracers.simulate.chain import DAY, HOUR, USDT_UNIT, Asset
from tracers.simulate.confounders import (
    BUSY_COLLECTION,
    DEPOSIT_AS_PLATFORM,
    EXCHANGE_FUNDED_VICTIMS,
    BusyCollectionParams,
    DepositAsPlatformParams,
    ExchangeFundedVictimsParams,
)
from tracers.simulate.records import Cluster, Payment, Victim
from tracers.simulate.scene import Scene

# move_on(scene, victim, cluster, consolidator, payments): schedule the payments and their sweeps.
MoveOn = Callable[[Scene, Victim, Cluster, int, list[Payment]], None]


class ExtraVictims:
    """Draws the extra victims and schedules their payments through the scam's own steps."""

    def __init__(self, scene: Scene, clusters: list[Cluster], first: int, move_on: MoveOn) -> None:
        self.scene = scene
        self.clusters = clusters
        self.next_index = first
        self.move_on = move_on

    def all(self) -> list[Victim]:
        """Every extra victim of the confounders switched on, in CONFOUNDERS order."""
        on = self.scene.confounding.on
        return [
            *(self._busy() if on(BUSY_COLLECTION) else []),
            *(self._into_deposit() if on(DEPOSIT_AS_PLATFORM) else []),
            *(self._from_exchange() if on(EXCHANGE_FUNDED_VICTIMS) else []),
        ]

    def _victim(self, cluster: Cluster, address: int, reported: bool, collection: int) -> Victim:
        victim = Victim(self.next_index, cluster.index, address, reported, [collection])
        self.next_index += 1
        return victim

    def _busy(self) -> list[Victim]:
        scene = self.scene.under(BUSY_COLLECTION)
        params = scene.confounding.parameters(BUSY_COLLECTION, BusyCollectionParams)
        cluster = self.clusters[int(scene.rng.integers(len(self.clusters)))]
        collection = cluster.collections[int(scene.rng.integers(len(cluster.collections)))]
        consolidator = _consolidator_of(cluster, collection)
        victims = []
        for number in range(int(params["victims"])):
            reported = number == 0 or scene.chance(float(params["reported_share"]))
            victim = self._victim(cluster, scene.book.one(scene.rng), reported, collection)
            payments = self._payments(scene, cluster, collection, params["payments"], params["payment_usdt"])
            self._buy(scene, victim, payments)
            self.move_on(scene, victim, cluster, consolidator, payments)
            scene.confounding.mark(BUSY_COLLECTION, victim.address)
            victims.append(victim)
        scene.confounding.mark(BUSY_COLLECTION, collection, consolidator)
        return victims

    def _into_deposit(self) -> list[Victim]:
        scene = self.scene.under(DEPOSIT_AS_PLATFORM)
        params = scene.confounding.parameters(DEPOSIT_AS_PLATFORM, DepositAsPlatformParams)
        victims = []
        for _ in range(int(params["victims"])):
            cluster = self.clusters[int(scene.rng.integers(len(self.clusters)))]
            mule = cluster.mules[int(scene.rng.integers(len(cluster.mules)))]
            victim = self._victim(cluster, scene.book.one(scene.rng), True, mule.deposit)
            payments = self._payments(scene, cluster, mule.deposit, params["payments"], [200, 5000])
            self._buy(scene, victim, payments)
            for payment in payments:
                scene.schedule.at(payment.block, _pay, scene, victim, payment)
            scene.confounding.mark(DEPOSIT_AS_PLATFORM, victim.address, mule.deposit)
            victims.append(victim)
        return victims

    def _from_exchange(self) -> list[Victim]:
        scene = self.scene.under(EXCHANGE_FUNDED_VICTIMS)
        params = scene.confounding.parameters(EXCHANGE_FUNDED_VICTIMS, ExchangeFundedVictimsParams)
        victims = []
        for _ in range(int(params["direct_victims"])):
            cluster = self.clusters[int(scene.rng.integers(len(self.clusters)))]
            collection = cluster.collections[int(scene.rng.integers(len(cluster.collections)))]
            exchange = scene.exchange_for_people()
            wallets = scene.cast.exchanges[exchange].hot_wallets
            hot = wallets[int(scene.rng.integers(len(wallets)))]
            victim = self._victim(cluster, hot, True, collection)
            payments = self._payments(scene, cluster, collection, [1, 2], [500, 5000])
            self.move_on(scene, victim, cluster, _consolidator_of(cluster, collection), payments)
            scene.confounding.mark(EXCHANGE_FUNDED_VICTIMS, hot)
            victims.append(victim)
        return victims

    def _payments(
        self, scene: Scene, cluster: Cluster, collection: int, count: list[int], usdt: list[int]
    ) -> list[Payment]:
        """1-3 USDT payments after the address first took money (so it has gas), in the first 60 %
        of the time left after that (so the cluster's chains still launch with time to run)."""
        start = cluster.first_inflow.get(collection, cluster.start) + HOUR
        end = start + max(DAY, (scene.timeline.n_blocks - 4 * DAY - start) * 3 // 5)
        paid = int(scene.rng.integers(count[0], count[1] + 1))
        blocks = sorted(start + scene.blocks(0, end - start) for _ in range(paid))
        cents = [int(scene.rng.integers(usdt[0] * 100, usdt[1] * 100 + 1)) for _ in blocks]
        return [Payment(block, Asset.USDT, scene.usdt(c), collection) for block, c in zip(blocks, cents, strict=True)]

    def _buy(self, scene: Scene, victim: Victim, payments: list[Payment]) -> None:
        """The victim buys ether for fees and each payment's USDT at an exchange hours before."""
        exchange = scene.exchange_for_people()
        fees = int(scene.rng.integers(5, 30)) * 10**15
        scene.withdraw(payments[0].block - scene.blocks(DAY, 2 * DAY), exchange, victim.address, Asset.ETH, fees)
        for payment in payments:
            extra = int(scene.rng.integers(0, 20)) * USDT_UNIT
            bought = payment.block - scene.blocks(HOUR, 20 * HOUR)
            scene.withdraw(bought, exchange, victim.address, Asset.USDT, payment.amount + extra)


def _consolidator_of(cluster: Cluster, collection: int) -> int:
    """The consolidator the collection swept to first (the cluster's first when it never swept)."""
    return next((s.dst for s in sorted(cluster.sweeps, key=lambda s: s.block) if s.src == collection),
                cluster.consolidators[0])


def _pay(block: int, scene: Scene, victim: Victim, payment: Payment) -> None:
    payment.ref = scene.ledger.move(block, payment.asset, victim.address, payment.collection, payment.amount)
    victim.payments.append(payment)
