"""Cases: the unit an investigation is organised by.

A case id is what analysts type and what exports print: letters, digits, '.', '_' and '-', at most
64, starting with a letter or digit (no spaces, line breaks or path separators; ':' separates a
case from its run number in run ids). It is checked wherever a case is opened or named.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import duckdb

from tracers.errors import CaseError
from tracers.store.queries import rows

_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}", re.ASCII)
MAX_TITLE_CHARS = 200


def check_case_id(case_id: str) -> str:
    """The case id as given, or a CaseError saying what a case id may hold."""
    if not _CASE_ID.fullmatch(case_id):
        raise CaseError(
            f"case id {case_id[:80]!r}: use letters, digits, '.', '_', ':', '/' and '-' (at most 64, starting "
            "with a letter or digit), e.g. FIU-2026-0142"
        )
    return case_id


def check_title(title: str) -> str:
    """A case title a terminal and a report can print as is: printable characters only, at most 200."""
    return check_plain_text("case title", title)


def check_plain_text(what: str, text: str) -> str:
    """Text a terminal, a CSV and a report can print as is (a title, an organisation's name):
    printable characters only, at most 200."""
    if len(text) > MAX_TITLE_CHARS:
        raise CaseError(f"{what} is {len(text):,} characters long: keep it to {MAX_TITLE_CHARS}")
    bad = sorted({f"U+{ord(ch):04X}" for ch in text if not ch.isprintable()})
    if bad:
        raise CaseError(
            f"{what} {text[:80]!r} holds control, invisible or unusual space characters "
            f"({', '.join(bad[:5])}): give it as one line of plain text"
        )
    return text


def open_case(con: duckdb.DuckDBPyConnection, case_id: str, title: str | None = None) -> bool:
    """Open a case; returns False when it was open already (its title is updated if given)."""
    check_case_id(case_id)
    if title is not None:
        check_title(title)
    existing = con.execute("SELECT title FROM cases WHERE case_id = ?", [case_id]).fetchall()
    if existing:
        if title is not None and title != existing[0][0]:
            con.execute("UPDATE cases SET title = ? WHERE case_id = ?", [title, case_id])
        return False
    con.execute("INSERT INTO cases VALUES (?, ?, ?)", [case_id, title, datetime.now(UTC)])
    return True


def require_case(con: duckdb.DuckDBPyConnection, case_id: str) -> None:
    """A CaseError unless `case_id` is well formed and open."""
    check_case_id(case_id)
    if not con.execute("SELECT 1 FROM cases WHERE case_id = ?", [case_id]).fetchall():
        raise CaseError(
            f"case {case_id!r} does not exist: open it first with `tracers case open {case_id}`"
        )


def list_cases(con: duckdb.DuckDBPyConnection) -> list[dict]:
    found = rows(con, "queries/cases")
    return [
        {"case_id": r[0], "title": r[1], "opened_at": r[2].isoformat(), "accepted": r[3], "refused": r[4]}
        for r in found
    ]
