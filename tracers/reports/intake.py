"""Import a victim-report file into a case: every row gets a verdict, accepted rows become seeds.

The whole file is one unit of work: its verdicts and seeds land together. Re-importing the same
file changes nothing; a row whose verdict changed (say the chain data arrived since) is updated, and
a report no longer accepted loses its seed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tracers.cases import require_case
from tracers.reports.parse import AssetLookup, ParsedReport, parse_reports
from tracers.reports.verify import verify
from tracers.store import transaction
from tracers.store.assets import decimals_of

_COLUMNS = (
    "case_id", "report_id", "line", "reported_at", "chain", "asset", "tx_hash", "victim_address",
    "scam_address", "amount_text", "amount", "status", "reason_code", "reason", "source_file",
)


@dataclass(frozen=True)
class ImportSummary:
    case_id: str
    path: Path
    accepted: int
    refused: int
    changed: int  # rows added or whose verdict changed
    verdicts: tuple[ParsedReport, ...]  # every row of the file, in order, with its refusal if any


def import_reports(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    path: Path,
    ensure: Mapping[str, Callable[[list[str]], object]] | None = None,
) -> ImportSummary:
    """Import a report file. `ensure` maps a chain to a live source's fetcher: a report whose
    transaction is not in the store yet is verified after fetching its scam address."""
    require_case(con, case_id)
    lookup = AssetLookup(lambda chain, address: decimals_of(con, chain, address))
    parsed = parse_reports(path, lookup)
    _fetch_missing(con, parsed, ensure or {})
    verdicts: list[ParsedReport] = []
    positions: dict[str, int] = {}
    for report in parsed:
        checked, position = verify(con, report)
        verdicts.append(checked)
        if position is not None:
            positions[checked.report_id] = position

    stored = _stored(con, case_id)
    first_of_id = {}
    for report in verdicts:
        first_of_id.setdefault(report.report_id, report)
    now = datetime.now(UTC)
    changed = 0
    with transaction(con):
        for report_id, report in first_of_id.items():
            row = _row(case_id, report, path)
            if stored.get(report_id) == row:
                continue
            changed += 1
            con.execute("DELETE FROM reports WHERE case_id = ? AND report_id = ?", [case_id, report_id])
            con.execute(
                f"INSERT INTO reports ({', '.join(_COLUMNS)}, imported_at) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)}, ?)",
                [*row, now],
            )
            _write_seed(con, case_id, report, positions.get(report_id), now)
    accepted = sum(1 for r in verdicts if r.refusal is None)
    return ImportSummary(
        case_id, path, accepted, len(verdicts) - accepted, changed, tuple(verdicts)
    )


def _fetch_missing(con, parsed: list[ParsedReport], ensure: Mapping[str, Callable]) -> None:
    """Fetch the scam addresses of well-formed reports whose transaction the store lacks."""
    wanted: dict[str, set[str]] = {}
    for report in parsed:
        if report.refusal is None and report.chain in ensure:
            known = con.execute(
                "SELECT 1 FROM transfers WHERE chain = ? AND tx_hash = ? LIMIT 1",
                [report.chain, report.tx_hash],
            ).fetchall()
            if not known:
                wanted.setdefault(report.chain, set()).add(report.scam_address)
    for chain, addresses in sorted(wanted.items()):
        ensure[chain](sorted(addresses))


def _row(case_id: str, r: ParsedReport, path: Path) -> tuple:
    refused = r.refusal is not None
    return (
        case_id,
        r.report_id,
        r.line,
        r.reported_at,
        r.chain or r.raw.get("chain"),
        r.asset.address if r.asset else r.raw.get("asset"),
        r.tx_hash or r.raw.get("tx_hash"),
        r.victim_address or r.raw.get("victim_address"),
        r.scam_address or r.raw.get("scam_address"),
        r.raw.get("amount"),
        None if r.amount is None else str(r.amount),
        "refused" if refused else "accepted",
        r.refusal.code if refused else None,
        r.refusal.message if refused else None,
        path.name,
    )


def _stored(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, tuple]:
    columns = ", ".join(
        "CAST(amount AS VARCHAR)" if c == "amount" else c for c in _COLUMNS
    )
    rows = con.execute(f"SELECT {columns} FROM reports WHERE case_id = ?", [case_id]).fetchall()
    return {row[1]: tuple(row) for row in rows}


def _write_seed(con, case_id: str, r: ParsedReport, position: int | None, now: datetime) -> None:
    seed_id = f"report:{r.report_id}"
    con.execute("DELETE FROM seeds WHERE case_id = ? AND seed_id = ?", [case_id, seed_id])
    if r.refusal is not None:
        return
    con.execute(
        "INSERT INTO seeds VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS BIGNUM), ?, ?, ?)",
        [
            case_id, seed_id, r.chain, r.scam_address, r.asset.address, r.tx_hash, position,
            str(r.amount), r.victim_address, r.report_id, now,
        ],
    )


def list_reports(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict]:
    require_case(con, case_id)
    rows = con.execute(
        "SELECT report_id, status, coalesce(reason, '') AS reason, reason_code, line, source_file "
        "FROM reports WHERE case_id = ? ORDER BY source_file, line",
        [case_id],
    ).fetchall()
    keys = ("report_id", "status", "reason", "reason_code", "line", "source_file")
    return [dict(zip(keys, row)) for row in rows]
