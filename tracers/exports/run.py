"""Which trace run an export reads: the case's latest finished one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from tracers.cases import require_case
from tracers.errors import CaseError, StoreError

_LATEST_RUN = """
SELECT run_id, started_at, finished_at, params, tool_version
FROM trace_runs
WHERE case_id = $case_id AND status = 'done'
ORDER BY started_at DESC, finished_at DESC NULLS LAST, run_id DESC
LIMIT 1
"""

_NEWER_UNFINISHED = """
SELECT run_id, status
FROM trace_runs
WHERE case_id = $case_id AND status <> 'done' AND started_at > $started_at
ORDER BY started_at, run_id
"""


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
    rows = con.execute(_LATEST_RUN, {"case_id": case_id}).fetchall()
    if not rows:
        raise CaseError(
            f"case {case_id} has no finished trace: run `tracers trace --case {case_id}` first"
        )
    run_id, started_at, finished_at, params, tool_version = rows[0]
    newer = con.execute(_NEWER_UNFINISHED, {"case_id": case_id, "started_at": started_at}).fetchall()
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

