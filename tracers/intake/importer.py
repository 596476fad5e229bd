"""Import a victim-report file into a case: every row gets a verdict, accepted rows become seeds.

The whole file is one unit of work: its verdicts and seeds land together in one transaction, and
a file that cannot be read as a whole changes nothing. Re-importing the same file changes nothing.
A report id the case holds already:
- the same report (the same fields), from any file: nothing changes, unless its verdict did (say
  the chain data arrived since): then the verdict is updated;
- a different report from a file of the same name: a correction; it replaces the stored one;
- a different report from another file: refused (`report_id_taken`); the stored report stays.
A row without a usable report id is refused and not stored (nothing could refer to it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tracers.cases import require_case
from tracers.intake.parse import AssetLookup, ParsedReport, Refusal, parse_reports
from tracers.intake.verify import load_facts, verify_all
from tracers.store import transaction
from tracers.store.assets import decimals_of
from tracers.store.bulk import insert_rows
from tracers.store.connection import read_sql, run_script
from tracers.store.queries import rows

_COLUMNS = (
    "case_id", "report_id", "line", "reported_at", "chain", "asset", "tx_hash", "victim_address",
    "scam_address", "amount_text", "amount", "status", "reason_code", "reason", "source_file",
)
_SAYS = ("reported_at", "chain", "asset", "tx_hash", "victim_address", "scam_address")
_VERDICT = ("status", "reason_code", "reason")
_SEED_COLUMNS = [
    "case_id", "seed_id", "chain", "address", "asset", "tx_hash", "position", "amount",
    "victim_address", "report_id", "added_at",
]


@dataclass(frozen=True)
class ImportSummary:
    case_id: str
    path: Path
    accepted: int
    refused: int
    changed: int  # rows added or whose verdict changed
    verdicts: tuple[ParsedReport, ...]  # every row of the file, in order, with its refusal if any


@dataclass(frozen=True)
class _Write:
    report: ParsedReport
    position: int | None
    row: dict


def import_reports(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    path: Path,
    ensure: Mapping[str, Callable[[list[str]], object]] | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Import a report file. `ensure` maps a chain to a live source's fetcher: a report whose
    transaction is not in the store yet is verified after fetching its scam address."""
    require_case(con, case_id)
    now = now or datetime.now(UTC)
    lookup = AssetLookup(lambda chain, address: decimals_of(con, chain, address))
    parsed = parse_reports(path, lookup, now)
    _fetch_missing(con, parsed, ensure or {})
    verdicts, writes = _decide(case_id, path, verify_all(con, parsed), _stored(con, case_id))
    with transaction(con):
        _write(con, case_id, writes, now)
    accepted = sum(1 for r in verdicts if r.refusal is None)
    return ImportSummary(case_id, path, accepted, len(verdicts) - accepted, len(writes), tuple(verdicts))


def _fetch_missing(con, parsed: list[ParsedReport], ensure: Mapping[str, Callable]) -> None:
    """Fetch the scam addresses of well-formed reports whose transaction the store lacks."""
    if not ensure:
        return
    facts = load_facts(con, [r for r in parsed if r.chain in ensure])
    wanted: dict[str, set[str]] = defaultdict(set)
    for report in parsed:
        chain, address = report.chain, report.scam_address
        if report.refusal is None and chain is not None and address is not None and chain in ensure \
                and (chain, report.tx_hash) not in facts.moves:
            wanted[chain].add(address)
    for chain_name, addresses in sorted(wanted.items()):
        ensure[chain_name](sorted(addresses))


def _decide(
    case_id: str, path: Path, checked: list[tuple[ParsedReport, int | None]], stored: dict[str, dict]
) -> tuple[list[ParsedReport], list[_Write]]:
    """Every row's final verdict, and the rows to write (new, corrected, or with a new verdict)."""
    verdicts, writes = [], []
    for report, position in checked:
        if not report.report_id or (report.refusal and report.refusal.code == "duplicate_report_id"):
            verdicts.append(report)
            continue
        row = _row(case_id, report, path)
        old = stored.get(report.report_id)
        same_file = old is not None and old["source_file"] == path.name
        if old is not None and not same_file and _says(old) != _says(row):
            verdicts.append(replace(report, refusal=_taken(report, old)))
            continue
        verdicts.append(report)
        if old is None or (old != row if same_file else _verdict(old) != _verdict(row)):
            writes.append(_Write(report, position, row))
    return verdicts, writes


def _says(row: dict) -> tuple:
    """What a stored or new report says, whatever file and line it came from."""
    return (*(row[c] for c in _SAYS), row["amount"] or row["amount_text"])


def _verdict(row: dict) -> tuple:
    return tuple(row[c] for c in _VERDICT)


def _taken(report: ParsedReport, old: dict) -> Refusal:
    return Refusal(
        "report_id_taken",
        f"field 'report_id' {report.report_id!r} is taken in this case by another report "
        f"({old['source_file']} line {old['line']}, transaction {old['tx_hash']}): give this report "
        f"its own id; to correct that report, edit {old['source_file']} and import it again",
    )


def _row(case_id: str, r: ParsedReport, path: Path) -> dict:
    refused = r.refusal is not None
    values = (
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
        r.refusal.code if r.refusal else None,
        r.refusal.message if r.refusal else None,
        path.name,
    )
    return dict(zip(_COLUMNS, values))


def _stored(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, dict]:
    found = rows(con, "intake/stored_reports", {"case_id": case_id})
    return {row[1]: dict(zip(_COLUMNS, row)) for row in found}


def _write(con: duckdb.DuckDBPyConnection, case_id: str, writes: list[_Write], now: datetime) -> None:
    """Replace the written reports and their seeds in bulk (one statement per table and step)."""
    if not writes:
        return
    ids = [w.report.report_id for w in writes]
    run_script(con, read_sql("intake/delete_reports.sql"), {"case_id": case_id, "report_ids": ids})
    insert_rows(
        con, "reports", [*_COLUMNS, "imported_at"], [(*w.row.values(), now) for w in writes],
        {"amount": "BIGNUM", "reported_at": "TIMESTAMPTZ"},
    )
    seeds = [_seed(case_id, w.report, w.position, now) for w in writes if w.report.refusal is None]
    insert_rows(con, "seeds", _SEED_COLUMNS, seeds, {"amount": "BIGNUM"})


def _seed(case_id: str, r: ParsedReport, position: int | None, now: datetime) -> tuple:
    return (
        case_id, f"report:{r.report_id}", r.chain, r.scam_address, r.asset.address if r.asset else None, r.tx_hash,
        position, str(r.amount), r.victim_address, r.report_id, now,
    )


def list_reports(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict]:
    """Every report of the case with its verdict, in the order they arrived (import, file, line)."""
    require_case(con, case_id)
    found = rows(con, "intake/case_reports", {"case_id": case_id})
    keys = ("report_id", "status", "reason", "reason_code", "line", "source_file")
    return [dict(zip(keys, row)) for row in found]
