"""Check a well-formed report against the store: did that transaction move that amount of that
asset from the victim to the scam address?"""

from __future__ import annotations

from dataclasses import replace

import duckdb

from tracers.amounts import format_units
from tracers.reports.parse import ParsedReport, Refusal

_TRANSFERS_OF_TX = """
SELECT asset, kind, position, from_address, to_address, CAST(amount AS VARCHAR)
FROM transfers WHERE chain = ? AND tx_hash = ?
ORDER BY position
"""
_TX_STATUS = "SELECT status FROM transactions WHERE chain = ? AND tx_hash = ?"


def verify(con: duckdb.DuckDBPyConnection, report: ParsedReport) -> tuple[ParsedReport, int | None]:
    """The report with a refusal if the store contradicts it, and the matching transfer's position."""
    if report.refusal is not None:
        return report, None
    assert report.chain and report.tx_hash and report.asset and report.amount is not None
    moves = con.execute(_TRANSFERS_OF_TX, [report.chain, report.tx_hash]).fetchall()
    status = con.execute(_TX_STATUS, [report.chain, report.tx_hash]).fetchall()

    def refuse(code: str, message: str) -> tuple[ParsedReport, None]:
        return replace(report, refusal=Refusal(code, message)), None

    if not moves:
        if status and status[0][0] == 0:
            return refuse(
                "tx_failed",
                f"field 'tx_hash': transaction {report.tx_hash} failed on chain and moved nothing; "
                "ask the victim for the transaction that succeeded",
            )
        if status:
            return refuse(
                "transfer_mismatch",
                f"field 'tx_hash': transaction {report.tx_hash} moved no value; "
                "check the hash with the victim",
            )
        return refuse(
            "tx_not_found",
            f"field 'tx_hash': transaction {report.tx_hash} is not in the store; check the hash, "
            f"or import the blocks around it (`tracers import etl`) and import the reports again",
        )
    symbol = report.asset.symbol
    same_path = [
        m for m in moves
        if m[0] == report.asset.address and m[3] == report.victim_address
        and m[4] == report.scam_address
    ]
    if not same_path:
        seen = "; ".join(
            f"{_symbol(con, report.chain, m[0])} {m[3]} -> {m[4]}" for m in moves[:3]
        )
        return refuse(
            "transfer_mismatch",
            f"fields 'asset', 'victim_address', 'scam_address': transaction {report.tx_hash} "
            f"moves no {symbol} from {report.victim_address} to {report.scam_address} "
            f"(it moves: {seen}); check the addresses and the asset",
        )
    for m in same_path:
        if int(m[5]) == report.amount:
            return report, int(m[2])
    actual = ", ".join(format_units(int(m[5]), report.asset.decimals) for m in same_path)
    return refuse(
        "amount_mismatch",
        f"field 'amount': {report.raw['amount']} {symbol} reported, but the transaction moved "
        f"{actual} {symbol}; correct the amount",
    )


def _symbol(con: duckdb.DuckDBPyConnection, chain: str, asset: str) -> str:
    rows = con.execute(
        "SELECT symbol FROM assets WHERE chain = ? AND asset = ?", [chain, asset]
    ).fetchall()
    name = rows[0][0] if rows and rows[0][0] else "token"
    return name if asset == "native" else f"{name} ({asset})"
