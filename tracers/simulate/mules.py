"""Money mules: exchange customers who lend their deposit address to a scam.

Peels land in a mule's deposit address, mostly at Binance, Huobi or OKX (where Griffin & Mei
found the exits), and the exchange sweeps it like any other. Some mules also buy USDT elsewhere
and deposit their own money into the same address, so victim money is only part of what arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracers.simulate.chain import DAY, USDT_UNIT, Asset
from tracers.simulate.scene import Scene

MULE_PREFERENCE = {"binance": 0.4, "huobi": 0.25, "okx": 0.25}
OTHER_EXCHANGE_WEIGHT = 0.05


@dataclass(frozen=True)
class Mule:
    """A mule's exchange account; `wallet` is set when the mule also deposits own money."""

    deposit: int
    exchange: int
    wallet: int | None


def hire_mule(scene: Scene, exchange: int | None, own_money: bool) -> Mule:
    """A new mule at `exchange` (None: drawn by preference); with own deposits when `own_money`."""
    if exchange is None:
        names = [candidate.name for candidate in scene.cast.exchanges]
        weights = np.array([MULE_PREFERENCE.get(name, OTHER_EXCHANGE_WEIGHT) for name in names])
        exchange = int(scene.rng.choice(len(names), p=weights / weights.sum()))
    mule = Mule(scene.book.one(scene.rng), exchange, scene.book.one(scene.rng) if own_money else None)
    if mule.wallet is not None:  # own_money
        _deposit_own_money(scene, mule.wallet, mule.deposit)
    return mule


def _deposit_own_money(scene: Scene, wallet: int, deposit: int) -> None:
    """The mule withdraws USDT from an exchange, then deposits part of it in one to three goes."""
    block = scene.blocks(DAY, scene.timeline.n_blocks - 3 * DAY)
    bought = int(scene.rng.integers(300, 15_000))
    scene.withdraw(block, scene.exchange_for_people(), wallet, Asset.USDT, bought * USDT_UNIT)
    goes = int(scene.rng.integers(1, 4))
    parts = scene.rng.multinomial(scene.portion(bought, 0.5, 1.0), [1 / goes] * goes)
    for part in parts[parts > 0]:
        block = scene.after(block, 1, 20)
        scene.transfer(block, Asset.USDT, wallet, deposit, int(part) * USDT_UNIT)
