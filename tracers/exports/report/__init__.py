"""The case report: one self-contained HTML file an analyst, prosecutor or compliance officer opens
offline in a browser. The case and its trace run, the victims, the money-flow graph (inline SVG,
laid out here), where the money went per exchange (the subpoena's numbers), funds at rest, a
timeline of victim payments against cash-outs, and every finding with its evidence.

    write_report(con, case_id, out_file, explorer_url="https://etherscan.io/tx/{tx}") -> Path
"""

from tracers.exports.report.html import DEFAULT_EXPLORER, render_report, write_report
from tracers.exports.report.text import ExplorerTemplateError

__all__ = ["DEFAULT_EXPLORER", "ExplorerTemplateError", "render_report", "write_report"]
