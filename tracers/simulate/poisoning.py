"""Address poisoning against victims (Tsuchiya et al., USENIX Security 2025).

A poisoning bot watches victims' USDT payments and, minutes later, plants a look-alike of the
address the victim paid (same first 4 and last 4 hex digits) in the victim's history:
- zero_value: the bot calls USDT `transferFrom(victim, lookalike, 0)`, so a zero-value transfer
  appears to come from the victim (the transaction's sender is the bot, not the victim);
- fake_token: a look-alike "USDT" contract mints to a look-alike address, which then sends the
  victim the same amount the victim paid, so the victim's history shows a matching "USDT" inflow.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracers.simulate.addresses import ZERO
from tracers.simulate.chain import Asset, Method
from tracers.simulate.scene import Scene

ZERO_VALUE, FAKE_TOKEN = "zero_value", "fake_token"


@dataclass
class Poisoning:
    """One poisoning transfer aimed at a victim; `imitates` is the scam address it copies.

    A tiny-USDT poisoning (confounder poison_tiny) also records its `amount`, and may aim at a
    collection address instead (`at_victim` False; `victim` is then that collection)."""

    victim: int
    lookalike: int
    imitates: int
    kind: str
    ref: int | None = None
    amount: int | None = None
    at_victim: bool = True


class Poisoner:
    """Plans and plays poisoning on the scene's schedule."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene

    def target(self, victim: int, paid_to: int, paid_block: int, amount: int, fake: bool) -> list[Poisoning]:
        """Poison a victim right after a payment of `amount` to `paid_to`."""
        scene = self.scene
        zero = Poisoning(victim, scene.book.lookalike(scene.rng, paid_to), paid_to, ZERO_VALUE)
        scene.schedule.at(paid_block + scene.blocks(1, 40), self._zero_value, zero)
        if not fake:
            return [zero]
        forged = Poisoning(victim, scene.book.lookalike(scene.rng, paid_to), paid_to, FAKE_TOKEN)
        mint_block = paid_block + scene.blocks(1, 60)
        scene.schedule.at(mint_block, self._mint, forged.lookalike, amount)
        scene.schedule.at(mint_block + scene.blocks(1, 30), self._fake_transfer, forged, amount)
        return [zero, forged]

    def _zero_value(self, block: int, record: Poisoning) -> None:
        record.ref = self.scene.ledger.move(
            block,
            Asset.USDT,
            record.victim,
            record.lookalike,
            0,
            sender=self.scene.cast.poisoner,
            method=Method.TRANSFER_FROM,
        )

    def _mint(self, block: int, lookalike: int, amount: int) -> None:
        self.scene.ledger.move(
            block, Asset.FAKE_USDT, ZERO, lookalike, amount, sender=self.scene.cast.poisoner, method=Method.MINT
        )

    def _fake_transfer(self, block: int, record: Poisoning, amount: int) -> None:
        record.ref = self.scene.ledger.move(block, Asset.FAKE_USDT, record.lookalike, record.victim, amount)
