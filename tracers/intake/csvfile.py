"""Read a victim-report CSV into rows: whatever makes the file as a whole unreadable raises here.

A whole-file problem (no such file, a folder, not UTF-8 text, a compressed file, a header that is
not exactly the report columns, a CSV syntax error) raises `ImportFileError` naming the file, the
line and the fix; nothing of the file is imported. A row that is merely malformed (too many or
too few cells, a quote left open) comes back with its problem, so that the rows around it still
go through.

Bounds: a file of at most MAX_FILE_BYTES (64 MiB, ~300,000 reports). Python's csv module stops at a
128 KiB cell with an error that loses the whole file; while reading a report file its limit is the
file bound instead, so an oversized cell reaches the row checks, which refuse that row alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tracers.errors import ImportFileError

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
MAX_FILE_BYTES = 64 * 1024 * 1024  # ~300,000 reports; split larger files
_HEADER_HINT = f"the first line must be {','.join(REPORT_COLUMNS)} (see `tracers reports template`)"
_MAGIC = {
    b"\x1f\x8b": "gzip-compressed: decompress it first (gunzip) and import the .csv",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx?): save the sheet as 'CSV UTF-8' and import that",
}


@dataclass(frozen=True)
class Row:
    """One record of the file: its first line, its cells by column, and what is wrong with its shape."""

    line: int
    cells: dict[str, str]
    problem: str | None = None


def read_rows(path: Path) -> list[Row]:
    """The rows of the file with their line numbers; a whole-file problem raises."""
    text = _read_text(path)
    with _field_limit(MAX_FILE_BYTES):
        return _parse(path, csv.reader(io.StringIO(text, newline=""), strict=True))


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder: give the reports CSV file itself")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise ImportFileError(
            f"{path}: cannot be read ({exc.strerror or exc}); check the path and its permissions"
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"{path} is larger than {MAX_FILE_BYTES:,} bytes, the most one report file may hold: "
            "split it into several files and import each"
        )
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ImportFileError(f"{path} is {what}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{path} line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}): "
            "save the file as 'CSV UTF-8'"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(
            f"{path} line {line} holds a NUL character: not a text CSV (UTF-16?); "
            "save the file as 'CSV UTF-8'"
        )
    if not text.strip():
        raise ImportFileError(f"{path} is empty: {_HEADER_HINT}")
    return text


def _parse(path: Path, reader) -> list[Row]:
    """Rows keyed by column; a CSV syntax error names the line its record starts on."""
    line = 1
    try:
        header = _header(path, next(reader))
        rows, line = [], reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_row(line, header, cells, reader.line_num))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(_csv_error(path, line, exc)) from None
    return rows


def _header(path: Path, cells: list[str]) -> list[str]:
    header = [cell.strip() for cell in cells]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise ImportFileError(
            f"{path} line 1: column {', '.join(map(repr, repeated))} appears more than once; "
            f"keep one of each: {_HEADER_HINT}"
        )
    missing = [c for c in REPORT_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REPORT_COLUMNS]
    if missing or unknown:
        said = [f"lacks {', '.join(missing)}"] if missing else []
        said += [f"has unknown column(s) {', '.join(map(repr, unknown))}"] if unknown else []
        raise ImportFileError(f"{path}: header {' and '.join(said)}; {_HEADER_HINT}")
    return header


def _row(line: int, header: list[str], cells: list[str], last_line: int) -> Row:
    named = dict(zip(header, (cell.strip() for cell in cells)))
    by_column = {column: named.get(column, "") for column in REPORT_COLUMNS}
    if last_line > line:
        return Row(line, by_column, (
            f"line {line} runs on to line {last_line}: a quoted cell holds a line break, which no "
            "report field does (a quote left open?); put each report on one line"
        ))
    if len(cells) != len(header):
        return Row(line, by_column, (
            f"line {line} has {len(cells)} cells but the header has {len(header)}: quote a value "
            'that holds a comma ("232,50") or remove the extra cell'
        ))
    return Row(line, by_column)


def _csv_error(path: Path, line: int, exc: csv.Error) -> str:
    return (
        f"{path} line {line}: not valid CSV ({exc}); a quote opened on this line is never closed, "
        'or a cell holds a quote without being quoted: quote the whole cell and double the quotes inside '
        'it ("say ""this""")'
    )


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)
