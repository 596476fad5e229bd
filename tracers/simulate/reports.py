"""Victim reports as a reporting desk receives them: mostly right, a few deliberately wrong.

Reported victims report some of their payments (at least one), one to ten days after paying;
unreported victims never appear here. Four extra reports are wrong in a known way, each about a
real payment of a reported victim: a malformed tx hash, a victim address whose EIP-55 checksum is
broken (one letter's case flipped), a well-formed tx hash that exists nowhere, and an amount that
does not match the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from eth_utils import to_checksum_address

from tracers.amounts import format_units
from tracers.simulate.addresses import AddressBook
from tracers.simulate.chain import BLOCK_SECONDS, DAY, Asset, Timeline
from tracers.simulate.records import Payment, Victim, made

ACCEPTED, REFUSED = "accepted", "refused"
BAD_TX_HASH, BAD_CHECKSUM, TX_NOT_FOUND, AMOUNT_MISMATCH = (
    "bad_tx_hash",
    "bad_checksum",
    "tx_not_found",
    "amount_mismatch",
)
DECIMALS = {Asset.USDT: 6, Asset.ETH: 18}
REPORT_SHARE = 0.65
COLUMNS = ("report_id", "reported_at", "chain", "asset", "tx_hash", "victim_address", "scam_address", "amount")


@dataclass(frozen=True)
class Report:
    """One row of reports.csv and what a validator should make of it."""

    report_id: str
    reported_at: str
    chain: str
    asset: str
    tx_hash: str
    victim_address: str
    scam_address: str
    amount: str
    expected: str
    reason: str | None

    def row(self) -> tuple[str, ...]:
        """The reports.csv fields."""
        return tuple(getattr(self, column) for column in COLUMNS)


def build_reports(
    rng: np.random.Generator,
    victims: list[Victim],
    tx_hash: Callable[[int], str],
    book: AddressBook,
    timeline: Timeline,
    exists: Callable[[str], bool],
) -> list[Report]:
    """Every report, sorted by time, with ids R00001...; `tx_hash(ref)` names a payment's transaction."""
    desk = _Desk(rng, tx_hash, book, timeline)
    reports, unreported = [], []
    for victim in victims:
        if not victim.reported:
            continue
        chosen = rng.random(len(victim.payments)) < REPORT_SHARE
        if not chosen.any():
            chosen[int(rng.integers(len(victim.payments)))] = True
        for payment, pick in zip(victim.payments, chosen, strict=True):
            if pick:
                reports.append(desk.report(victim, payment))
            else:
                unreported.append((victim, payment))
    spare = unreported or [(v, p) for v in victims if v.reported for p in v.payments]
    reports += desk.mistakes([spare[int(i)] for i in rng.integers(0, len(spare), 4)], exists)
    reports.sort(key=lambda report: (report.reported_at, report.tx_hash, report.reason or ""))
    return [replace(report, report_id=f"R{number:05d}") for number, report in enumerate(reports, start=1)]


class _Desk:
    def __init__(
        self, rng: np.random.Generator, tx_hash: Callable[[int], str], book: AddressBook, timeline: Timeline
    ) -> None:
        self.rng, self.tx_hash, self.book, self.timeline = rng, tx_hash, book, timeline

    def report(self, victim: Victim, payment: Payment) -> Report:
        paid_at = self.timeline.timestamp(payment.block)
        reported_at = paid_at + int(self.rng.integers(DAY * BLOCK_SECONDS, 10 * DAY * BLOCK_SECONDS))
        return Report(
            report_id="",
            reported_at=datetime.fromtimestamp(reported_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            chain="ethereum",
            asset=payment.asset.name,
            tx_hash=self.tx_hash(made(payment.ref)),
            victim_address=to_checksum_address(self.book.hex(victim.address)),
            scam_address=to_checksum_address(self.book.hex(payment.collection)),
            amount=format_units(payment.amount, DECIMALS[payment.asset]),
            expected=ACCEPTED,
            reason=None,
        )

    def mistakes(self, bases: list[tuple[Victim, Payment]], exists: Callable[[str], bool]) -> list[Report]:
        """One report of each known wrong kind, each about one of the given payments."""
        bad_hash, bad_checksum, not_found, mismatch = (self.report(*base) for base in bases)
        unknown = "0x" + self.rng.bytes(32).hex()
        while exists(unknown):
            unknown = "0x" + self.rng.bytes(32).hex()
        payment = bases[3][1]
        return [
            replace(bad_hash, tx_hash=self._malformed(bad_hash.tx_hash), expected=REFUSED, reason=BAD_TX_HASH),
            replace(
                bad_checksum,
                victim_address=self._flip_case(bad_checksum.victim_address),
                expected=REFUSED,
                reason=BAD_CHECKSUM,
            ),
            replace(not_found, tx_hash=unknown, expected=REFUSED, reason=TX_NOT_FOUND),
            replace(mismatch, amount=self._wrong_amount(payment), expected=REFUSED, reason=AMOUNT_MISMATCH),
        ]

    def _malformed(self, tx_hash: str) -> str:
        if self.rng.random() < 0.5:
            return tx_hash[:-1]
        position = int(self.rng.integers(2, len(tx_hash)))
        return tx_hash[:position] + "g" + tx_hash[position + 1 :]

    def _flip_case(self, address: str) -> str:
        letters = [i for i, char in enumerate(address) if i >= 2 and char.isalpha()]
        position = letters[int(self.rng.integers(len(letters)))]
        return address[:position] + address[position].swapcase() + address[position + 1 :]

    def _wrong_amount(self, payment: Payment) -> str:
        decimals = DECIMALS[payment.asset]
        if self.rng.random() < 0.5:
            wrong = payment.amount * 10
        else:
            wrong = payment.amount + int(self.rng.integers(1, 500)) * 10 ** (
                decimals - 3 if payment.asset == Asset.ETH else decimals
            )
        return format_units(wrong, decimals)
