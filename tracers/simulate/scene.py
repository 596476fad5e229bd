"""What every hand-built scam step shares: the random stream, addresses, ledger and schedule."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tracers.simulate.addresses import AddressBook
from tracers.simulate.cast import Cast
from tracers.simulate.chain import ETHER, HOUR, USDT_UNIT, Asset, Timeline
from tracers.simulate.config import SimulationConfig
from tracers.simulate.confounders import EXCHANGE_GAS, Confounding, ExchangeGasParams
from tracers.simulate.ledger import Ledger, Schedule

GAS_GRANULE = 10**13  # gas top-ups are multiples of 0.00001 ether


@dataclass
class Scene:
    """The stage the scam is played on."""

    config: SimulationConfig
    rng: np.random.Generator
    book: AddressBook
    cast: Cast
    timeline: Timeline
    ledger: Ledger
    schedule: Schedule
    confounding: Confounding = field(default_factory=Confounding)

    def under(self, confounder: str) -> Scene:
        """The same stage, drawing from the confounder's own random stream."""
        return replace(self, rng=self.confounding.rngs[confounder])

    def blocks(self, low: float, high: float) -> int:
        """A random whole number of blocks in [low, high)."""
        return int(self.rng.integers(int(low), max(int(high), int(low) + 1)))

    def share(self, low: float, high: float) -> float:
        """A random share in [low, high) (for time and counts; money uses `portion`)."""
        return float(self.rng.uniform(low, high))

    def portion(self, amount: int, low: float, high: float) -> int:
        """A random portion of an amount in base units, between low and high of it, in exact
        integers: the share is drawn in thousandths, never multiplied as a float."""
        per_mille = int(self.rng.integers(round(low * 1000), round(high * 1000) + 1))
        return amount * per_mille // 1000

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return bool(self.rng.random() < probability)

    def usdt(self, cents: int) -> int:
        """A USDT amount people type, from a whole number of cents: round hundreds, whole dollars
        or cents, in base units (integers only)."""
        style = self.rng.random()
        if style < 0.4 and cents >= 20_000:
            return max(1, _round_div(cents, 10_000)) * 100 * USDT_UNIT
        if style < 0.7:
            return max(1, _round_div(cents, 100)) * USDT_UNIT
        return max(1, cents) * (USDT_UNIT // 100)

    def exchange_for_people(self) -> int:
        """Index of the exchange a person uses."""
        return int(self.rng.choice(len(self.cast.exchanges), p=self.cast.exchange_weights()))

    def withdraw(self, block: int, exchange: int, dst: int, asset: Asset, amount: int) -> None:
        """Schedule an exchange withdrawal from one of the exchange's hot wallets."""
        wallets = self.cast.exchanges[exchange].hot_wallets
        hot = wallets[int(self.rng.integers(len(wallets)))]
        self.transfer(block, asset, hot, dst, amount)

    def gas(self, block: int, feeder: int, dst: int, low: float = 0.002, high: float = 0.012) -> None:
        """Schedule a small ether top-up for fees (with exchange_gas, some a cluster feeder would
        send come from the operation's exchange account instead)."""
        amount = int(self.rng.uniform(low, high) * ETHER) // GAS_GRANULE * GAS_GRANULE
        exchange = self.confounding.feeder_exchange.get(feeder)
        if exchange is not None and self.confounding.on(EXCHANGE_GAS):
            gas = self.under(EXCHANGE_GAS)
            if gas.chance(self.confounding.parameters(EXCHANGE_GAS, ExchangeGasParams)["share"]):
                gas.withdraw(block, exchange, dst, Asset.ETH, amount)
                self.confounding.mark(EXCHANGE_GAS, dst)
                return
        self.transfer(block, Asset.ETH, feeder, dst, amount)

    def skip_gas(self) -> None:
        """Draw what `gas` draws from this stream, sending nothing (a hop that pays its own fees)."""
        self.rng.uniform(0.002, 0.012)

    def after(self, block: int, low_hours: float, high_hours: float) -> int:
        """A block some hours after `block`."""
        return block + self.blocks(low_hours * HOUR, high_hours * HOUR)

    def transfer(self, block: int, asset: Asset, src: int, dst: int, amount: int) -> None:
        """Schedule a plain transfer of a fixed amount."""
        self.schedule.at(block, self._move, asset, src, dst, amount)

    def _move(self, block: int, asset: Asset, src: int, dst: int, amount: int) -> None:
        self.ledger.move(block, asset, src, dst, amount)


def _round_div(value: int, unit: int) -> int:
    """value / unit rounded half up, in integers."""
    return (value + unit // 2) // unit
