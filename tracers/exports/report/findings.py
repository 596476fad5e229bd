"""Every finding of the run with its evidence: rule, parameters, detail, and each transaction it rests
on as a link to the explorer. Grouped by rule, one collapsible block per rule."""

from __future__ import annotations

from collections import defaultdict

from tracers.exports.report.sections import amounts_html, code, section, table
from tracers.exports.report.text import attrs, esc, explorer_link
from tracers.findings import AssetBook, FindingRow, amount, params_json

TX_SHOWN = 6


def findings_section(rows: list[FindingRow], book: AssetBook, explorer_url: str) -> str:
    groups: dict[tuple[str, str], list[FindingRow]] = defaultdict(list)
    for f in rows:
        groups[(f.rule, f.kind)].append(f)
    blocks = [_group(rule, kind, items, book, explorer_url) for (rule, kind), items in groups.items()]
    intro = (f"{len(rows)} finding(s) in {len(groups)} rule(s). Each names its rule, the rule's parameters "
             "and the transactions it rests on; open a rule to see them.")
    body = "".join(blocks) or '<p class="none">None in this run.</p>'
    return section("findings", "Findings and their evidence", body, intro)


def _group(rule: str, kind: str, items: list[FindingRow], book: AssetBook, explorer_url: str) -> str:
    params = sorted({params_json(f.params) for f in items})
    shared = params[0] if len(params) == 1 else None
    head = (f'<summary><b>{esc(rule)}</b> <span class="kind">{esc(kind)}</span>: {len(items)} finding'
            f"{'s' if len(items) != 1 else ''}"
            + (f" · parameters {code(shared)}" if shared else " · parameters differ, see each row") + "</summary>")
    cells = ["finding", "address", "related", "amount", "confidence", "detail", "transactions"]
    if not shared:
        cells.insert(6, "parameters")
    rows = []
    for f in items:
        a = amount(book, f.chain, f.asset, f.amount) if f.asset is not None and f.amount is not None else None
        role = " / ".join(x for x in (f.role, f.subrole) if x)
        row = [
            f'<span{attrs(id=f"f-{f.finding_id}")}>{esc(f.finding_id)}</span>',
            code(f.address) + (f'<div class="sub">{esc(role)}</div>' if role else ""),
            code(f.related),
            amounts_html((a,) if a else ()),
            esc(f.confidence),
            esc(f.detail),
            _transactions(f.tx_hashes, explorer_url),
        ]
        if not shared:
            row.insert(6, code(params_json(f.params)))
        tr = attrs(data_finding_id=f.finding_id, data_rule=f.rule, data_kind=f.kind, data_txs=len(f.tx_hashes))
        rows.append((tr, row))
    body = table(cells, rows, "findings")
    return f'<details class="rule"{attrs(data_rule=rule, data_kind=kind)}>{head}{body}</details>'


def _transactions(txs: tuple[str, ...], explorer_url: str) -> str:
    if not txs:
        return '<span class="none">–</span>'
    links = [explorer_link(explorer_url, tx) for tx in txs]
    shown = "<br>".join(links[:TX_SHOWN])
    if len(links) <= TX_SHOWN:
        return shown
    rest = "<br>".join(links[TX_SHOWN:])
    return f"{shown}<details class=\"more\"><summary>{len(links) - TX_SHOWN} more</summary>{rest}</details>"
