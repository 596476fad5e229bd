"""Confounders played by people outside the case (confounders.py describes each):

- mule_mixing: salaries, friends, shop customers and the mule's own wallet pay into the deposit
  addresses mules lend the scam;
- shared_broker: a second scam group (its own victims, collections, consolidator and hops, never
  reported in this case) cashes out through a deposit this case's peel chain reaches;
- poison_tiny: look-alike addresses, funded by the poisoning bot, send tiny real USDT to victims
  (imitating the collection they paid) and to collections (imitating their consolidator).
Every sender first withdraws what it sends from an exchange, so the books balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracers.simulate.chain import DAY, HOUR, USDT_UNIT, Asset
from tracers.simulate.confounders import (
    MULE_MIXING,
    POISON_TINY,
    SHARED_BROKER,
    MuleMixingParams,
    PoisonTinyParams,
    SharedBrokerParams,
)
from tracers.simulate.poisoning import Poisoning
from tracers.simulate.records import Cluster, Payment, Victim
from tracers.simulate.scene import Scene

TINY_USDT = "tiny_usdt"
# what unrelated senders pay a mule's deposit: (kind, share of inflows, low, high USDT)
MIXING_SENDERS = (("salary", 0.15, 800, 3000), ("friend", 0.35, 20, 500), ("shop_customer", 0.35, 5, 200),
                  ("own_wallet", 0.15, 100, 2000))


@dataclass(frozen=True)
class OtherScamAddress:
    """An address of the second scam group (shared_broker) and its role there."""

    address: int
    role: str


def mix_mule_deposits(scene: Scene, clusters: list[Cluster]) -> None:
    """mule_mixing: many unrelated senders pay into mules' deposits (always the first mule's)."""
    if not scene.confounding.on(MULE_MIXING):
        return
    mixing = scene.under(MULE_MIXING)
    params = mixing.confounding.parameters(MULE_MIXING, MuleMixingParams)
    low, high = params["inflows"]
    weights = [share for _, share, _, _ in MIXING_SENDERS]
    for cluster in clusters:
        for number, mule in enumerate(cluster.mules):
            if number and not mixing.chance(float(params["mule_share"])):
                continue
            employer = mixing.book.one(mixing.rng)
            own = mule.wallet if mule.wallet is not None else mixing.book.one(mixing.rng)
            for _ in range(int(mixing.rng.integers(low, high + 1))):
                kind, _, usd_low, usd_high = MIXING_SENDERS[int(mixing.rng.choice(len(weights), p=weights))]
                sender = {"salary": employer, "own_wallet": own}.get(kind) or mixing.book.one(mixing.rng)
                amount = mixing.usdt(int(mixing.rng.integers(usd_low * 100, usd_high * 100 + 1)))
                block = mixing.blocks(2 * DAY, mixing.timeline.n_blocks - 2 * DAY)
                mixing.withdraw(block - mixing.blocks(HOUR, DAY), mixing.exchange_for_people(), sender, Asset.USDT,
                                amount)
                mixing.transfer(block, Asset.USDT, sender, mule.deposit, amount)
                if sender != mule.wallet:
                    mixing.confounding.decoy(MULE_MIXING, sender)
            mixing.confounding.mark(MULE_MIXING, mule.deposit)


def share_broker(scene: Scene, broker: int) -> list[OtherScamAddress]:
    """shared_broker: a second scam group cashes out through `broker`, a deposit this case's chain
    reaches; returns its addresses."""
    if not scene.confounding.on(SHARED_BROKER):
        return []
    other = scene.under(SHARED_BROKER)
    params = other.confounding.parameters(SHARED_BROKER, SharedBrokerParams)
    book, rng = other.book, other.rng
    feeder = book.one(rng)
    collections = [int(a) for a in book.new(rng, int(rng.integers(1, 3)))]
    consolidator = book.one(rng)
    hops = [int(a) for a in book.new(rng, int(params["hops"]))]
    victims = [int(a) for a in book.new(rng, int(params["victims"]))]
    exchange = other.exchange_for_people()
    end = other.timeline.n_blocks
    other.withdraw(DAY, exchange, feeder, Asset.ETH, 10**18)
    for address in [*collections, consolidator, *hops]:
        other.gas(DAY + other.blocks(HOUR, 10 * HOUR), feeder, address)
    last_sweep = 2 * DAY
    for victim in victims:
        collection = collections[int(rng.integers(len(collections)))]
        for _ in range(int(rng.integers(1, 4))):
            paid = other.blocks(2 * DAY, end - 8 * DAY)
            amount = other.usdt(int(rng.integers(500 * 100, 20_000 * 100 + 1)))
            other.withdraw(paid - other.blocks(HOUR, DAY), other.exchange_for_people(), victim, Asset.USDT, amount)
            other.transfer(paid, Asset.USDT, victim, collection, amount)
            swept = other.after(paid, 1, 12)
            other.transfer(swept, Asset.USDT, collection, consolidator, amount)
            last_sweep = max(last_sweep, swept)
    for round_block in (other.blocks(5 * DAY, last_sweep), other.after(last_sweep, 2, 12)):
        other.schedule.at(round_block, _cash_out, other, [consolidator, *hops, broker])
    other.confounding.mark(SHARED_BROKER, broker)
    other.confounding.decoy(SHARED_BROKER, feeder, *collections, consolidator, *hops, *victims)
    roles = [("gas_feeder", [feeder]), ("collection", collections), ("consolidator", [consolidator]),
             ("peel_hop", hops), ("victim", victims)]
    return [OtherScamAddress(address, role) for role, addresses in roles for address in addresses]


def _cash_out(block: int, scene: Scene, path: list[int]) -> None:
    """The first address passes all it holds to the next; that one does the same an hour or two later."""
    amount = scene.ledger.spendable(path[0], Asset.USDT, block)
    if amount == 0:
        return
    scene.ledger.move(block, Asset.USDT, path[0], path[1], amount)
    if len(path) > 2:
        scene.schedule.at(block + scene.blocks(HOUR, 2 * HOUR), _cash_out, scene, path[1:])


def poison_tiny(scene: Scene, planned: list[tuple[Victim, list[Payment]]], clusters: list[Cluster]) -> list[Poisoning]:
    """poison_tiny: look-alikes send tiny real USDT to victims and collections."""
    if not scene.confounding.on(POISON_TINY):
        return []
    tiny = scene.under(POISON_TINY)
    params = tiny.confounding.parameters(POISON_TINY, PoisonTinyParams)
    targets = []  # (target, imitated, after block, aimed at a victim)
    for victim, payments in planned:
        usdt = [p for p in payments if p.asset == Asset.USDT]
        if usdt and tiny.chance(float(params["victim_share"])):
            payment = usdt[int(tiny.rng.integers(len(usdt)))]
            targets.append((victim.address, payment.collection, payment.block, True))
    for cluster in clusters:
        for sweep in sorted(cluster.sweeps, key=lambda s: s.block):
            if sweep.src in {t[0] for t in targets}:
                continue
            if tiny.chance(float(params["collection_share"])):
                targets.append((sweep.src, sweep.dst, sweep.block, False))
    if not targets:
        return []
    plans = [(target, imitated, after + tiny.blocks(10, 6 * HOUR), aimed, int(tiny.rng.integers(1_000, 500_001)))
             for target, imitated, after, aimed in targets]
    first = min(block for _, _, block, _, _ in plans)
    exchange = tiny.exchange_for_people()
    total = sum(amount for *_, amount in plans)
    tiny.withdraw(max(1, first - DAY), exchange, tiny.cast.poisoner, Asset.USDT, -(-total // USDT_UNIT) * USDT_UNIT)
    records = []
    for target, imitated, block, aimed, amount in plans:
        record = Poisoning(target, tiny.book.lookalike(tiny.rng, imitated), imitated, TINY_USDT, amount=amount,
                           at_victim=aimed)
        tiny.transfer(block - tiny.blocks(1, 20), Asset.USDT, tiny.cast.poisoner, record.lookalike, amount)
        tiny.schedule.at(block, _send_tiny, tiny, record, amount)
        tiny.confounding.mark(POISON_TINY, target)
        tiny.confounding.decoy(POISON_TINY, record.lookalike)
        records.append(record)
    return records


def _send_tiny(block: int, scene: Scene, record: Poisoning, amount: int) -> None:
    record.ref = scene.ledger.move(block, Asset.USDT, record.lookalike, record.victim, amount)
