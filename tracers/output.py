"""Listings for people and programs: `--format table|csv|json`, one writer for every command.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are
neutralised with a leading apostrophe (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
from enum import Enum
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: list[dict], columns: list[str], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in columns])


def render(rows: list[dict], columns: list[str], fmt: Format, out: IO[str], title: str = "") -> None:
    if fmt is Format.json:
        json.dump([{c: row.get(c) for c in columns} for row in rows], out, indent=2, default=str)
        out.write("\n")
    elif fmt is Format.csv:
        write_csv(rows, columns, out)
    else:
        table = Table(title=escape(title) or None, show_lines=False)  # cells are data, never markup
        for c in columns:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*["" if row.get(c) is None else escape(str(row.get(c))) for c in columns])
        Console(file=out, width=max(100, Console().width)).print(table)


def to_csv_text(rows: list[dict], columns: list[str]) -> str:
    buffer = io.StringIO()
    write_csv(rows, columns, buffer)
    return buffer.getvalue()
