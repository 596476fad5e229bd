"""Check each row of a victim-report file on its own (formats, dates, chain, asset, amount).

Pure: no store. A row that fails a check becomes a `Refusal` naming the line's field and the fix;
the rest of the file still goes through. Reading the file is `csvfile.py`; checks against chain
data are `verify.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracers.chains import Asset, chain, normalize_address, normalize_tx_hash, resolve_asset
from tracers.errors import AddressError
from tracers.intake.csvfile import REPORT_COLUMNS, read_rows

__all__ = ["REPORT_COLUMNS", "AssetLookup", "ParsedReport", "Refusal", "parse_reports", "parse_time"]

_REPORT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}", re.ASCII)
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?", re.ASCII)
_ISO_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?",
    re.ASCII,
)
MAX_CELL_CHARS = 256  # the longest valid value (a 128-character report id, an amount) fits easily
MAX_AMOUNT = 2**256 - 1  # the largest amount any EVM or Tron token can move
EARLIEST_REPORT = datetime(2009, 1, 3, tzinfo=UTC)  # Bitcoin's first block: no payment before it
CLOCK_SKEW = timedelta(days=1)  # a time without a zone is read as UTC: up to 14 h off local time
# The code a row's refusal gets when the cell of that column is unusable as written.
_BAD_CELL_CODE = {
    "report_id": "bad_report_id", "reported_at": "bad_reported_at", "chain": "unknown_chain",
    "asset": "unknown_asset", "tx_hash": "bad_tx_hash", "victim_address": "bad_address",
    "scam_address": "bad_address", "amount": "bad_amount",
}


@dataclass(frozen=True)
class Refusal:
    code: str  # stable machine-readable reason, e.g. bad_checksum, tx_not_found
    message: str  # one sentence naming the field and the fix


@dataclass(frozen=True)
class ParsedReport:
    """One row of the file: what it says, and the verdict of the checks so far.

    `report_id` is empty when the row has none that can identify it (missing or malformed): such a
    row is refused and not stored; its cells as written stay in `raw`."""

    line: int
    report_id: str
    raw: dict[str, str]
    reported_at: datetime | None = None
    chain: str | None = None
    asset: Asset | None = None
    tx_hash: str | None = None
    victim_address: str | None = None
    scam_address: str | None = None
    amount: int | None = None
    refusal: Refusal | None = None


class AssetLookup:
    """Resolves an asset written in a report: known symbol, or a token contract the store knows.
    Answers are remembered, so a file naming one token 5,000 times asks the store once."""

    def __init__(self, store_decimals=None):
        self._store_decimals = store_decimals or (lambda _chain, _address: None)
        self._known: dict[tuple[str, str], Asset | AddressError] = {}

    def __call__(self, chain_name: str, text: str) -> Asset:
        key = (chain_name, text)
        if key not in self._known:
            try:
                self._known[key] = self._resolve(chain_name, text)
            except AddressError as exc:
                self._known[key] = exc
        answer = self._known[key]
        if isinstance(answer, AddressError):
            raise answer
        return answer

    def _resolve(self, chain_name: str, text: str) -> Asset:
        try:
            return resolve_asset(chain_name, text)
        except AddressError as unknown:
            if not text.startswith(("0x", "T")):
                raise unknown
            address = normalize_address(chain_name, text)
            decimals = self._store_decimals(chain_name, address)
            if decimals is None:
                raise AddressError(
                    f"token {text} has no known decimals: import its tokens.csv with "
                    "`tracers import etl` or write the asset as a symbol such as USDT"
                ) from None
            return Asset(chain_name, address, address, decimals)


def shown(text: str, limit: int = 80) -> str:
    """A cell as a message quotes it: control characters escaped, long values cut."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else f"{quoted[:limit]}... ({len(text):,} characters)"


def parse_amount(text: str, decimals: int) -> int:
    """`2500.50` in token units -> exact base units; refuses what does not fit the asset."""
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise ValueError(
            f"amount {shown(text)} is not a plain decimal number: write it like 2500.50 "
            "(ASCII digits and one decimal point: no sign, no thousands separators, no exponent)"
        )
    whole, fraction = match.group(1).lstrip("0") or "0", match.group(2) or ""
    too_large = ValueError(
        f"amount {shown(text)} is more than any token can move (2^256 - 1 base units): check the amount"
    )
    if len(whole) + decimals > len(str(MAX_AMOUNT)):
        raise too_large
    if len(fraction) > decimals:
        if fraction[decimals:].strip("0"):
            raise ValueError(
                f"amount {shown(text)} has {len(fraction)} decimals but the asset has {decimals}"
            )
        fraction = fraction[:decimals]
    value = int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0")
    if value == 0:
        raise ValueError("amount is zero: give the amount the victim paid")
    if value > MAX_AMOUNT:
        raise too_large
    return value


class OutsideCalendar(ValueError):
    """A well-formed time that has no UTC equivalent (year 1 or 9999 with an offset)."""


def parse_time(text: str) -> datetime:
    """ISO 8601 (`2026-03-01`, `2026-03-01T14:05:00Z`, `...+08:00`) -> UTC; a time without a zone
    is taken as UTC. Raises ValueError for any other form, OutsideCalendar past year 1 or 9999."""
    if not _ISO_TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not an ISO 8601 time")
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise OutsideCalendar(f"{text!r} is outside the calendar in UTC") from None


def check_reported_at(text: str, now: datetime) -> datetime:
    """The time of the report, between Bitcoin's first block and now (plus the clock skew)."""
    example = "write it like 2026-03-01T14:05:00Z"
    latest = now + CLOCK_SKEW
    outside = ValueError(
        f"field 'reported_at' {shown(text)} is outside {EARLIEST_REPORT:%Y-%m-%d} .. {latest:%Y-%m-%d}: "
        f"a report cannot predate Bitcoin nor come from the future; check the date (and its time "
        f"zone): {example}"
    )
    try:
        value = parse_time(text)
    except OutsideCalendar:
        raise outside from None
    except ValueError:
        raise ValueError(f"field 'reported_at' {shown(text)} is not ISO 8601: {example}") from None
    if not EARLIEST_REPORT <= value <= latest:
        raise outside
    return value


def _cell_problem(column: str, value: str) -> str | None:
    if not value:
        return f"field '{column}' is empty: fill it in"
    if len(value) > MAX_CELL_CHARS:
        return (
            f"field '{column}' is {len(value):,} characters long, more than any report value "
            f"({MAX_CELL_CHARS}): check that cell (a quote left open swallows the cells after it)"
        )
    if not value.isprintable():
        return (
            f"field '{column}' {shown(value)} holds control, invisible or unusual space characters: "
            "retype the value"
        )
    return None


def _usable_id(text: str) -> str:
    """The report id as written if it is well formed, else "" (the row cannot be stored under it)."""
    return text if _REPORT_ID.fullmatch(text) else ""


def check_row(line: int, raw: dict[str, str], assets: AssetLookup, now: datetime) -> ParsedReport:
    """Every check that needs no chain data, in the order a person would fix them."""
    report_id = _usable_id(raw["report_id"])

    def refuse(code: str, message: str, **known) -> ParsedReport:
        return ParsedReport(line, report_id, raw, refusal=Refusal(code, message), **known)

    for column in REPORT_COLUMNS:
        problem = _cell_problem(column, raw[column])
        if problem:
            return refuse("missing_field" if not raw[column] else _BAD_CELL_CODE[column], problem)
    if not report_id:
        return refuse(
            "bad_report_id",
            f"field 'report_id' {shown(raw['report_id'])}: use letters, digits and . _ : / - "
            "(at most 128, starting with a letter or digit)",
        )
    try:
        reported_at = check_reported_at(raw["reported_at"], now)
    except ValueError as exc:
        return refuse("bad_reported_at", str(exc))
    try:
        chain_name = chain(raw["chain"]).name
    except AddressError as exc:
        return refuse("unknown_chain", f"field 'chain': {exc}")
    try:
        tx_hash = normalize_tx_hash(chain_name, raw["tx_hash"])
    except AddressError as exc:
        return refuse("bad_tx_hash", f"field 'tx_hash': {exc}")
    addresses = {}
    for column in ("victim_address", "scam_address"):
        try:
            addresses[column] = normalize_address(chain_name, raw[column])
        except AddressError as exc:
            code = "bad_checksum" if "checksum" in str(exc) else "bad_address"
            return refuse(code, f"field '{column}': {exc}")
    if addresses["victim_address"] == addresses["scam_address"]:
        return refuse(
            "same_address",
            "fields 'victim_address' and 'scam_address' are the same address: "
            "the scam address is where the victim sent the money",
        )
    try:
        asset = assets(chain_name, raw["asset"])
    except AddressError as exc:
        return refuse("unknown_asset", f"field 'asset': {exc}")
    try:
        amount = parse_amount(raw["amount"], asset.decimals)
    except ValueError as exc:
        return refuse("bad_amount", f"field 'amount': {exc}")
    return ParsedReport(
        line,
        report_id,
        raw,
        reported_at=reported_at,
        chain=chain_name,
        asset=asset,
        tx_hash=tx_hash,
        victim_address=addresses["victim_address"],
        scam_address=addresses["scam_address"],
        amount=amount,
    )


def parse_reports(
    path: Path, assets: AssetLookup | None = None, now: datetime | None = None
) -> list[ParsedReport]:
    """Check every row of the file; a report_id seen earlier in the file is refused."""
    lookup = assets or AssetLookup()
    clock = now or datetime.now(UTC)
    seen: dict[str, int] = {}
    parsed = []
    for row in read_rows(path):
        if row.problem:
            refusal = Refusal("bad_row", row.problem)
            report = ParsedReport(row.line, _usable_id(row.cells["report_id"]), row.cells, refusal=refusal)
        else:
            report = check_row(row.line, row.cells, lookup, clock)
        first = seen.setdefault(report.report_id, row.line) if report.report_id else row.line
        if first != row.line:
            report = ParsedReport(row.line, report.report_id, row.cells, refusal=Refusal(
                "duplicate_report_id",
                f"field 'report_id' {report.report_id!r} is used on line {first} already: "
                "give each report its own id",
            ))
        parsed.append(report)
    return parsed
