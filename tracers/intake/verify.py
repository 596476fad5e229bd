"""Check well-formed reports against the store: did that transaction move that amount of that
asset from the victim to the scam address, before the report was made?

The store is asked once per chain and file, not once per report: a file of 5,000 reports costs
two queries per chain it names (its transfers, and its transactions that failed: sql/intake/).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import duckdb

from tracers.amounts import format_units
from tracers.intake.parse import CLOCK_SKEW, ParsedReport, Refusal
from tracers.store.queries import rows


@dataclass(frozen=True)
class _Move:
    asset: str
    symbol: str | None
    position: int
    sender: str
    receiver: str
    amount: int
    block_time: datetime


@dataclass(frozen=True)
class ChainFacts:
    """What the store says about the transactions a file names: moves and status per (chain, tx)."""

    moves: dict[tuple[str, str], list[_Move]]
    status: dict[tuple[str, str], int | None]


def load_facts(con: duckdb.DuckDBPyConnection, reports: list[ParsedReport]) -> ChainFacts:
    """The store's transfers and statuses of every transaction the well-formed reports name."""
    moves: dict[tuple[str, str], list[_Move]] = defaultdict(list)
    status: dict[tuple[str, str], int | None] = {}
    for chain_name, hashes in _hashes_by_chain(reports).items():
        params = {"chain": chain_name, "tx_hashes": hashes}
        for tx, asset, symbol, position, sender, receiver, amount, at in rows(
            con, "intake/transfers_of_reported_txs", params
        ):
            moves[(chain_name, tx)].append(_Move(asset, symbol, position, sender, receiver, int(amount), at))
        for tx, value in rows(con, "intake/status_of_reported_txs", params):
            status[(chain_name, tx)] = value
    return ChainFacts(dict(moves), status)


def _hashes_by_chain(reports: list[ParsedReport]) -> dict[str, list[str]]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for report in reports:
        if report.refusal is None and report.chain and report.tx_hash:
            wanted[report.chain].add(report.tx_hash)
    return {chain_name: sorted(hashes) for chain_name, hashes in sorted(wanted.items())}


def verify_all(
    con: duckdb.DuckDBPyConnection, reports: list[ParsedReport]
) -> list[tuple[ParsedReport, int | None]]:
    """Each report with a refusal if the store contradicts it, and its transfer's position."""
    facts = load_facts(con, reports)
    return [verify(report, facts) for report in reports]


def verify(report: ParsedReport, facts: ChainFacts) -> tuple[ParsedReport, int | None]:
    """The report with a refusal if the facts contradict it, and the matching transfer's position."""
    if report.refusal is not None:
        return report, None
    assert report.chain and report.tx_hash and report.asset and report.amount is not None
    key = (report.chain, report.tx_hash)
    moves = facts.moves.get(key, [])

    def refuse(code: str, message: str) -> tuple[ParsedReport, None]:
        return replace(report, refusal=Refusal(code, message)), None

    if not moves:
        return refuse(*_nothing_moved(report, facts.status.get(key, -1)))
    symbol = report.asset.symbol
    same_path = [
        m for m in moves
        if m.asset == report.asset.address and m.sender == report.victim_address
        and m.receiver == report.scam_address
    ]
    if not same_path:
        seen = "; ".join(f"{_named(m)} {m.sender} -> {m.receiver}" for m in moves[:3])
        return refuse(
            "transfer_mismatch",
            f"fields 'asset', 'victim_address', 'scam_address': transaction {report.tx_hash} "
            f"moves no {symbol} from {report.victim_address} to {report.scam_address} "
            f"(it moves: {seen}); check the addresses and the asset",
        )
    for m in same_path:
        if m.amount == report.amount:
            return _in_time(report, m)
    actual = ", ".join(format_units(m.amount, report.asset.decimals) for m in same_path)
    return refuse(
        "amount_mismatch",
        f"field 'amount': {report.raw['amount']} {symbol} reported, but the transaction moved "
        f"{actual} {symbol}; correct the amount",
    )


def _nothing_moved(report: ParsedReport, status: int | None) -> tuple[str, str]:
    """Why a transaction with no transfers in the store is refused; status -1: not stored at all."""
    if status == 0:
        return (
            "tx_failed",
            f"field 'tx_hash': transaction {report.tx_hash} failed on chain and moved nothing; "
            "ask the victim for the transaction that succeeded",
        )
    if status != -1:
        return (
            "transfer_mismatch",
            f"field 'tx_hash': transaction {report.tx_hash} moved no value; check the hash with the victim",
        )
    return (
        "tx_not_found",
        f"field 'tx_hash': transaction {report.tx_hash} is not in the store; check the hash, "
        f"or import the blocks around it (`tracers import etl`) and import the reports again",
    )


def _in_time(report: ParsedReport, move: _Move) -> tuple[ParsedReport, int | None]:
    """The matching transfer, unless the chain dates it after the report (past the clock skew)."""
    assert report.reported_at is not None
    if move.block_time > report.reported_at + CLOCK_SKEW:
        paid = move.block_time.astimezone(UTC)
        return replace(report, refusal=Refusal(
            "paid_after_report",
            f"field 'reported_at' {report.raw['reported_at']!r} is before the payment it reports: "
            f"transaction {report.tx_hash} is in a block of {paid:%Y-%m-%dT%H:%M:%SZ}; "
            "check reported_at (and its time zone) and tx_hash",
        )), None
    return report, move.position


def _named(move: _Move) -> str:
    name = move.symbol or "token"
    return name if move.asset == "native" else f"{name} ({move.asset})"
