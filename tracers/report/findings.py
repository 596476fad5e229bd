"""Every finding of the run with its evidence: rule, parameters, detail, and each transaction it rests
on as a link to the explorer. Grouped by rule, one collapsible block per rule."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass

import duckdb

from tracers.exports.amounts import amount
from tracers.exports.assets import AssetBook
from tracers.report.sections import amounts_html, code, section, table
from tracers.report.text import attrs, esc, explorer_link

_FINDINGS = """
SELECT f.finding_id, f.kind, f.rule, f.chain, f.address, f.related, f.asset, CAST(f.amount AS VARCHAR),
       f.confidence, f.params, f.tx_hashes, f.detail, a.role, a.subrole
FROM findings f
LEFT JOIN trace_addresses a ON a.run_id = f.run_id AND a.chain = f.chain AND a.address = f.address
WHERE f.run_id = $run_id
"""

TX_SHOWN = 6


@dataclass(frozen=True)
class FindingRow:
    finding_id: str
    kind: str
    rule: str
    chain: str
    address: str | None
    related: str | None
    asset: str | None
    amount: int | None
    confidence: int | None
    params: str
    tx_hashes: tuple[str, ...]
    detail: str
    role: str | None
    subrole: str | None


def read_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[FindingRow]:
    rows = [
        FindingRow(fid, kind, rule, chain, address, related, asset, None if base is None else int(base),
                   confidence, params, tuple(txs or ()), detail, role, subrole)
        for fid, kind, rule, chain, address, related, asset, base, confidence, params, txs, detail, role, subrole
        in con.execute(_FINDINGS, {"run_id": run_id}).fetchall()
    ]
    return sorted(rows, key=lambda f: (f.rule, f.kind, _natural(f.finding_id)))


def _natural(text: str) -> tuple:
    """`ethereum:fan_in:10` after `ethereum:fan_in:9`."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text))


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
    params = sorted({_params(f.params) for f in items})
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
            row.insert(6, code(_params(f.params)))
        tr = attrs(data_finding_id=f.finding_id, data_rule=f.rule, data_kind=f.kind, data_txs=len(f.tx_hashes))
        rows.append((tr, row))
    body = table(cells, rows, "findings")
    return f'<details class="rule"{attrs(data_rule=rule, data_kind=kind)}>{head}{body}</details>'


def _params(text: str) -> str:
    """The rule's parameters as compact JSON with sorted keys (as stored when not JSON)."""
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except (json.JSONDecodeError, TypeError):
        return text


def _transactions(txs: tuple[str, ...], explorer_url: str) -> str:
    if not txs:
        return '<span class="none">–</span>'
    links = [explorer_link(explorer_url, tx) for tx in txs]
    shown = "<br>".join(links[:TX_SHOWN])
    if len(links) <= TX_SHOWN:
        return shown
    rest = "<br>".join(links[TX_SHOWN:])
    return f"{shown}<details class=\"more\"><summary>{len(links) - TX_SHOWN} more</summary>{rest}</details>"
