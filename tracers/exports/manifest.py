"""manifest.json of an export folder: what was written, from which run, with each file's sha256.

Sorted keys, indent 2, LF, ASCII: the same store gives the same bytes except `generated_at`.
`tracers verify DIR` (verify.py) recomputes every listed file's sha256 against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from tracers import __version__
from tracers.domain import iso_utc
from tracers.findings import RunInfo

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class AssetTotal:
    chain: str
    asset: str
    asset_symbol: str
    amount: str  # exact, token units

    def to_dict(self) -> dict:
        return {"chain": self.chain, "asset": self.asset, "asset_symbol": self.asset_symbol,
                "amount": self.amount}


@dataclass(frozen=True)
class ExportedFile:
    name: str
    exchange: str
    rows: int
    sha256: str
    deposit_addresses: int
    traced_total: tuple[AssetTotal, ...]  # per (chain, asset), sorted

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "exchange": self.exchange,
            "rows": self.rows,
            "sha256": self.sha256,
            "deposit_addresses": self.deposit_addresses,
            "traced_total": [t.to_dict() for t in self.traced_total],
        }


def manifest_bytes(
    run: RunInfo, columns: list[str], files: list[ExportedFile], generated_at: datetime | None = None
) -> bytes:
    """The subpoena export's manifest (its layout is unchanged since the first release)."""
    return export_manifest_bytes(run, columns, [f.to_dict() for f in files], generated_at)


def export_manifest_bytes(
    run: RunInfo,
    columns: list[str],
    files: list[dict],
    generated_at: datetime | None = None,
    extra: dict | None = None,
) -> bytes:
    """A manifest for any export folder: `files` are dicts holding at least `name` and `sha256`;
    `extra` adds top-level keys (e.g. `export` and its `parameters`)."""
    manifest = {
        "case_id": run.case_id,
        "run_id": run.run_id,
        "generated_at": iso_utc((generated_at or datetime.now(UTC)).replace(microsecond=0)),
        "tool_version": __version__,
        "trace_params": run.params,
        "trace_run": {
            "started_at": iso_utc(run.started_at),
            "finished_at": iso_utc(run.finished_at),
            "tool_version": run.tool_version,
        },
        "columns": columns,
        "files": files,
        **(extra or {}),
    }
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def combined_manifest_bytes(
    runs: list[RunInfo],
    columns: list[str],
    files: list[dict],
    generated_at: datetime | None = None,
    extra: dict | None = None,
) -> bytes:
    """The manifest of an export over several cases: each case's run, parameters and times apart."""
    manifest = {
        "case_ids": [run.case_id for run in runs],
        "runs": [
            {"case_id": run.case_id, "run_id": run.run_id, "trace_params": run.params,
             "started_at": iso_utc(run.started_at), "finished_at": iso_utc(run.finished_at),
             "tool_version": run.tool_version}
            for run in runs
        ],
        "generated_at": iso_utc((generated_at or datetime.now(UTC)).replace(microsecond=0)),
        "tool_version": __version__,
        "columns": columns,
        "files": files,
        **(extra or {}),
    }
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")
