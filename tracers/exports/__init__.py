"""Exports of a traced case, read from its latest finished trace run.

- `export_subpoena`: one CSV per exchange of the victim money that reached its deposit addresses,
  and manifest.json with each file's sha256 (for the subpoena or freeze request).
- `export_addresses`: every address of the run with its role and the findings behind it.
- `findings_summary` / `render_summary`: what the trace found, as data (`to_dict()`) and as text.

Amounts are exact decimal strings in token units; CSV cells are neutralised against formulas.
"""

from tracers.exports.addresses import ADDRESS_COLUMNS, ROLES, export_addresses
from tracers.exports.assets import MissingDecimalsError
from tracers.exports.render import render_summary
from tracers.exports.run import RunInfo, latest_run
from tracers.exports.subpoena import SUBPOENA_COLUMNS, SubpoenaResult, export_subpoena
from tracers.exports.summary import Summary, findings_summary

__all__ = [
    "ADDRESS_COLUMNS",
    "ROLES",
    "SUBPOENA_COLUMNS",
    "MissingDecimalsError",
    "RunInfo",
    "SubpoenaResult",
    "Summary",
    "export_addresses",
    "export_subpoena",
    "findings_summary",
    "latest_run",
    "render_summary",
]
