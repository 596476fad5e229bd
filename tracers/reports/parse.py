"""Read a victim-report CSV and check each row on its own (formats, chain, asset, amount).

Pure: no store. A row that fails a check becomes a `Refusal` naming the field and the fix; the rest
of the file still goes through. Checks against chain data happen in `verify.py`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracers.chains import Asset, chain, normalize_address, normalize_tx_hash, resolve_asset
from tracers.errors import AddressError, ImportFileError

REPORT_COLUMNS = (
    "report_id",
    "reported_at",
    "chain",
    "asset",
    "tx_hash",
    "victim_address",
    "scam_address",
    "amount",
)
_REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
_AMOUNT = re.compile(r"^(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True)
class Refusal:
    code: str  # stable machine-readable reason, e.g. bad_checksum, tx_not_found
    message: str  # one sentence naming the field and the fix


@dataclass(frozen=True)
class ParsedReport:
    """One row of the file: what it says, and the verdict of the checks so far."""

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
    """Resolves an asset written in a report: known symbol, or a token contract the store knows."""

    def __init__(self, store_decimals=None):
        self._store_decimals = store_decimals or (lambda _chain, _address: None)

    def __call__(self, chain_name: str, text: str) -> Asset:
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


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of the file with their line numbers; a whole-file problem raises."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path}: not UTF-8 text; save the file as UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REPORT_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"{path}: header lacks {', '.join(missing)}; the first line must be "
            f"{','.join(REPORT_COLUMNS)} (see `tracers reports template`)"
        )
    reader.fieldnames = header
    rows = []
    for record in reader:
        line = reader.line_num
        rows.append((line, {k: (record.get(k) or "").strip() for k in REPORT_COLUMNS}))
    return rows


def parse_amount(text: str, decimals: int) -> int:
    """`2500.50` in token units -> exact base units; refuses what does not fit the asset."""
    match = _AMOUNT.match(text.replace("_", ""))
    if not match:
        raise ValueError(
            f"amount {text!r} is not a plain decimal number: write it like 2500.50 "
            "(no sign, no thousands separators, no exponent)"
        )
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > decimals:
        if fraction[decimals:].strip("0"):
            raise ValueError(
                f"amount {text!r} has {len(fraction)} decimals but the asset has {decimals}"
            )
        fraction = fraction[:decimals]
    value = int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0")
    if value == 0:
        raise ValueError("amount is zero: give the amount the victim paid")
    return value


def parse_time(text: str) -> datetime:
    """ISO 8601; a time without a zone is taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_row(line: int, raw: dict[str, str], assets: AssetLookup) -> ParsedReport:
    """Every check that needs no chain data, in the order a person would fix them."""
    report_id = raw["report_id"]

    def refuse(code: str, message: str, **known) -> ParsedReport:
        return ParsedReport(line, report_id, raw, refusal=Refusal(code, message), **known)

    for column in REPORT_COLUMNS:
        if not raw[column]:
            return refuse("missing_field", f"field '{column}' is empty: fill it in")
    if not _REPORT_ID.match(report_id):
        return refuse(
            "bad_report_id",
            f"field 'report_id' {report_id!r}: use letters, digits and . _ : / - (at most 128)",
        )
    try:
        reported_at = parse_time(raw["reported_at"])
    except ValueError:
        return refuse(
            "bad_reported_at",
            f"field 'reported_at' {raw['reported_at']!r} is not ISO 8601: "
            "write it like 2026-03-01T14:05:00Z",
        )
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


def parse_reports(path: Path, assets: AssetLookup | None = None) -> list[ParsedReport]:
    """Check every row of the file; a report_id seen earlier in the file is refused."""
    lookup = assets or AssetLookup()
    seen: dict[str, int] = {}
    parsed = []
    for line, raw in read_rows(path):
        report = check_row(line, raw, lookup)
        first = seen.get(report.report_id)
        if first is not None and report.report_id:
            report = ParsedReport(
                line,
                report.report_id,
                raw,
                refusal=Refusal(
                    "duplicate_report_id",
                    f"field 'report_id' {report.report_id!r} is used on line {first} already: "
                    "give each report its own id",
                ),
            )
        else:
            seen.setdefault(report.report_id, line)
        parsed.append(report)
    return parsed
