"""The case report: one self-contained HTML file (no network; its one script and stylesheet inline)
of the case's latest finished trace run.

Same store, same bytes: nothing in it depends on when or where it was written, only on the run
(whose own start and finish times it shows). A Content-Security-Policy lets only the report's own
script run (by its hash) and lets the page load nothing, so neither a label from outside nor a
slip in escaping can make it run code or call out.
"""

from __future__ import annotations

import base64
import hashlib
from importlib.resources import files
from pathlib import Path

import duckdb

from tracers import __version__
from tracers.exports.files import out_file, write_whole
from tracers.exports.report import sections
from tracers.exports.report.findings import findings_section
from tracers.exports.report.graph import RunGraph, build_graph, read_run_graph
from tracers.exports.report.layout import COLLAPSED, EXPANDED, layout
from tracers.exports.report.svg import graph_svg, legend
from tracers.exports.report.text import attrs, check_template, esc, short_address
from tracers.exports.report.timeline import read_timeline, timeline_svgs
from tracers.findings import AssetBook, Summary, deposit_flows, findings_summary, read_findings

DEFAULT_EXPLORER = "https://etherscan.io/tx/{tx}"
NAV = (("summary", "Summary"), ("graph", "Money flow"), ("exchanges", "Exchanges"), ("services", "Services"),
       ("at-rest", "At rest"), ("timeline", "Timeline"), ("victims", "Victims"), ("clusters", "Clusters"),
       ("findings", "Findings"), ("not-followed", "Not followed"), ("review", "For review"), ("partners", "Partners"),
       ("parameters", "Parameters"))


def write_report(con: duckdb.DuckDBPyConnection, case_id: str, out: str | Path,
                 explorer_url: str = DEFAULT_EXPLORER, *, force: bool = False) -> Path:
    """Write the case's HTML report to `out` (whole or not at all); returns its path. An existing
    file is replaced only with `force`.

    `explorer_url` links every transaction: a template with `{tx}`, e.g.
    `https://tronscan.org/#/transaction/{tx}` for a Tron case."""
    path = out_file(out, force=force)
    write_whole(path, render_report(con, case_id, explorer_url).encode("utf-8"))
    return path


def render_report(con: duckdb.DuckDBPyConnection, case_id: str, explorer_url: str = DEFAULT_EXPLORER) -> str:
    check_template(explorer_url)
    summary = findings_summary(con, case_id)
    run_id = summary.run.run_id
    book = AssetBook(con)
    deposits = deposit_flows(con, run_id)
    run_graph = read_run_graph(con, run_id, summary.peel_chains)
    timeline = read_timeline(con, run_id, deposits)
    body = "".join([
        sections.header(summary),
        sections.key_figures(summary),
        _graph_section(run_graph, book),
        sections.exchanges(summary, deposits, book),
        sections.services(summary),
        sections.at_rest(summary),
        sections.section("timeline", "Timeline: victim payments and cash-outs",
                         timeline_svgs(timeline, book) if timeline else '<p class="none">No traced payments.</p>',
                         "By day (UTC). Above the line what victims paid into the scam, below it the victim "
                         "money deposited at exchanges; hover a bar for the exact amount."),
        sections.victims(summary),
        sections.clusters_and_peels(summary),
        findings_section(read_findings(con, run_id), book, explorer_url),
        sections.not_followed(summary),
        sections.review(summary),
        sections.partners(summary),
        sections.parameters(summary),
    ])
    return _page(summary, body)


def _graph_section(run: RunGraph, book: AssetBook) -> str:
    collapsed, expanded = build_graph(run, "collapsed"), build_graph(run, "expanded")
    views = (f'<div class="view collapsed">{graph_svg(collapsed, layout(collapsed, COLLAPSED), book, 3)}</div>'
             f'<div class="view expanded">{graph_svg(expanded, layout(expanded, EXPANDED), book, 2)}</div>')
    toggle = ('<input type="checkbox" id="expand-graph" class="toggle">'
              f'<label for="expand-graph" class="toggle-label">Show every address ({len(expanded.nodes)} '
              f"instead of {len(collapsed.nodes)} boxes: each victim, collection address, peel hop and "
              "deposit address)</label>"
              '<input type="checkbox" id="fit-graph" class="toggle">'
              '<label for="fit-graph" class="toggle-label">Fit to the page width</label>')
    idle = run.without_flows()
    note = ""
    if idle:
        listed = ", ".join(f"{esc(short_address(a.address))} ({esc(a.subrole or a.role)})" for a in idle[:20])
        more = f" and {len(idle) - 20} more" if len(idle) > 20 else ""
        note = (f'<p class="note">{len(idle)} address(es) of the case moved no victim money and are not drawn: '
                f"{listed}{more}. The findings below say why each belongs to the case.</p>")
    intro = ("Victim money from left to right: victims, the scam's collection addresses, its consolidators, "
             "peel chains and other onward addresses, and the exchanges' deposit addresses (framed per "
             "exchange) and services where it left the scam's hands. A line's width grows with the money it "
             "carried (log scale, per asset). Click a box or a line for its addresses and exact amounts.")
    info = ('<div id="node-info" class="node-info" aria-live="polite">Click a box or a line to see its '
            "addresses and exact amounts here.</div>")
    if not expanded.nodes:
        toggle, info = '<p class="none">No victim money was traced in this run.</p>', ""
    body = f'{toggle}{legend(expanded, book)}<div class="views">{views}</div>{info}{note}'
    return sections.section("graph", "Money flow", body, intro)


def _asset(name: str) -> str:
    return (files("tracers.exports.report") / "static" / name).read_text(encoding="utf-8")


def _page(summary: Summary, body: str) -> str:
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    title = f"Case {summary.case_id}" + (f": {summary.title}" if summary.title else "") + " · tracers report"
    nav = "".join(f'<a{attrs(href=f"#{i}")}>{esc(t)}</a>' for i, t in NAV)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy"{attrs(content=policy)}>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{_asset('report.css')}</style></head>"
        f'<body><nav class="top"><span class="brand">tracers</span>{nav}</nav><main>{body}</main>'
        f'<footer>tracers {esc(__version__)} · report of trace run {esc(summary.run.run_id)} of case '
        f"{esc(summary.case_id)}; every figure comes from that run in the case store.</footer>"
        f"<script>{script}</script></body></html>\n"
    )
