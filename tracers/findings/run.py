"""Which trace run the read model reads: the case's latest finished one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from tracers.cases import require_case
from tracers.errors import CaseError, StoreError
from tracers.store.queries import rows


@dataclass(frozen=True)
class RunInfo:
    """A finished trace run of a case, and any later runs that did not finish (running, failed)."""

    case_id: str
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    params: dict
    tool_version: str
    newer_unfinished: tuple[tuple[str, str], ...] = ()  # (run_id, status), oldest first


def latest_run(con: duckdb.DuckDBPyConnection, case_id: str) -> RunInfo:
    """The case's trace run with the latest `started_at` among those with status 'done'."""
    require_case(con, case_id)
    found = rows(con, "queries/latest_run", {"case_id": case_id})
    if not found:
        raise CaseError(
            f"case {case_id} has no finished trace: run `tracers trace --case {case_id}` first"
        )
    run_id, started_at, finished_at, params, tool_version = found[0]
    newer = rows(con, "queries/newer_unfinished_runs", {"case_id": case_id, "started_at": started_at})
    return RunInfo(
        case_id=case_id,
        run_id=run_id,
        started_at=started_at,
        finished_at=finished_at,
        params=_params(run_id, params),
        tool_version=tool_version,
        newer_unfinished=tuple((r, s) for r, s in newer),
    )


def _params(run_id: str, text: str) -> dict:
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoreError(f"trace run {run_id}: its params are not JSON ({exc}); trace the case again") from None
    if not isinstance(params, dict):
        raise StoreError(f"trace run {run_id}: its params are not a JSON object; trace the case again")
    return params



def case_title(con: duckdb.DuckDBPyConnection, case_id: str) -> str | None:
    """The case's title (None when it has none)."""
    found = rows(con, "queries/case_title", {"case_id": case_id})
    return found[0][0] if found else None
