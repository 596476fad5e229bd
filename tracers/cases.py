"""Cases: the unit an investigation is organised by."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import duckdb

from tracers.errors import CaseError

_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def open_case(con: duckdb.DuckDBPyConnection, case_id: str, title: str | None = None) -> bool:
    """Open a case; returns False when it was open already (its title is updated if given)."""
    if not _CASE_ID.match(case_id):
        raise CaseError(
            f"case id {case_id!r}: use letters, digits, '.', '_' and '-' (at most 64), "
            "e.g. FIU-2026-0142"
        )
    existing = con.execute("SELECT title FROM cases WHERE case_id = ?", [case_id]).fetchall()
    if existing:
        if title is not None and title != existing[0][0]:
            con.execute("UPDATE cases SET title = ? WHERE case_id = ?", [title, case_id])
        return False
    con.execute("INSERT INTO cases VALUES (?, ?, ?)", [case_id, title, datetime.now(UTC)])
    return True


def require_case(con: duckdb.DuckDBPyConnection, case_id: str) -> None:
    if not con.execute("SELECT 1 FROM cases WHERE case_id = ?", [case_id]).fetchall():
        raise CaseError(
            f"case {case_id!r} does not exist: open it first with `tracers case open {case_id}`"
        )


def list_cases(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        """
        SELECT c.case_id, coalesce(c.title, '') AS title, c.opened_at,
               count(r.report_id) FILTER (WHERE r.status = 'accepted') AS accepted,
               count(r.report_id) FILTER (WHERE r.status = 'refused') AS refused
        FROM cases c LEFT JOIN reports r USING (case_id)
        GROUP BY ALL ORDER BY c.case_id
        """
    ).fetchall()
    return [
        {"case_id": r[0], "title": r[1], "opened_at": r[2].isoformat(), "accepted": r[3], "refused": r[4]}
        for r in rows
    ]
