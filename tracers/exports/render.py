"""The findings summary as readable text (Markdown-flavoured): headings, tables, amounts aligned
on the decimal point, exact. Text from the store is shown with control characters escaped, so a
label cannot move the cursor or colour a terminal."""

from __future__ import annotations

import json

from tracers.domain import iso_utc
from tracers.findings import Amount, Summary


def render_summary(summary: Summary) -> str:
    run = summary.run
    title = f": {_clean(summary.title)}" if summary.title else ""
    lines = [f"# Findings of case {_clean(summary.case_id)}{title}", ""]
    lines.append(f"Trace run {_clean(run.run_id)}, started {iso_utc(run.started_at)}, finished "
                 f"{iso_utc(run.finished_at) or '?'}, tracers {_clean(run.tool_version)}.")
    for run_id, status in run.newer_unfinished:
        lines.append(f"Note: a later run, {_clean(run_id)}, is {_clean(status)}; "
                     "this summary is of the last finished one.")
    lines += ["", "Parameters:"]
    lines += [f"  {_clean(k)} = {_clean(json.dumps(v, sort_keys=True))}" for k, v in sorted(run.params.items())]
    for heading, body in _sections(summary):
        lines += ["", f"## {heading}", ""] + body
    return "\n".join(lines).rstrip("\n") + "\n"


def _sections(s: Summary) -> list[tuple[str, list[str]]]:
    return [
        ("Victims", _victims(s)),
        ("Clusters", _clusters(s)),
        ("Peel chains", _peels(s)),
        ("Exchanges reached", _exchanges(s)),
        ("Services reached", _services(s)),
        ("Funds at rest", _at_rest(s)),
        ("Not followed", _not_followed(s)),
        ("For review: rules that disagreed", _review(s)),
        ("Flagged by partners", _partners(s)),
    ]


def _victims(s: Summary) -> list[str]:
    if not s.victims:
        return ["None in this run."]
    groups = [r for subrole, (n, paid) in s.victims_by_subrole().items() for r in _rows([subrole, str(n)], paid)]
    rows = [r for v in s.victims for r in _rows(
        [v.address, v.subrole or "", v.cluster_id or "", " ".join(v.report_ids)], v.reported, v.paid)]
    return (_table(["victims", "count", "paid into the scam", ""], groups, amounts=[2]) + [""]
            + _table(["address", "subrole", "cluster", "reports", "reported", "", "paid (traced)", ""],
                     rows, amounts=[4, 6]))


def _clusters(s: Summary) -> list[str]:
    if not s.clusters:
        return ["None in this run."]
    lines = []
    for c in s.clusters:
        counts = ", ".join(f"{_clean(part)} {len(addrs)}" for part, addrs in c.members.items())
        lines.append(f"- {_clean(c.cluster_id)}: {c.size} address(es): {counts}")
        for part, addrs in c.members.items():
            lines.append(f"    {_clean(part)}: {' '.join(_clean(a) for a in addrs)}")
    return lines


def _peels(s: Summary) -> list[str]:
    if not s.peel_chains:
        return ["None in this run."]
    lines = []
    for n, chain in enumerate(s.peel_chains, start=1):
        first = chain.hops[0]
        cluster = _clean(first.cluster_id or "-")
        lines.append(f"Chain {n} ({len(chain.hops)} hop(s), cluster {cluster}, {_clean(first.chain)}):")
        for i, hop in enumerate(chain.hops, start=1):
            lines.append(f"  {i}. {_clean(hop.address)} (hop {hop.hop if hop.hop is not None else '?'})")
            for p in hop.peels:
                named = (p.destination_role, p.destination_exchange, p.destination_label)
                where = " ".join(_clean(x) for x in named if x)
                slice_ = f"{p.amount.units} {_clean(p.amount.unit_name)}" if p.amount else "amount ?"
                lines.append(f"       peeled {slice_} to {_clean(p.destination or '?')}"
                             + (f" ({where})" if where else "") + f" [{_clean(p.finding_id)}]")
    return lines


def _exchanges(s: Summary) -> list[str]:
    if not s.exchanges:
        return ["No exchange deposit address received victim money in this run."]
    rows = [r for e in s.exchanges for r in _rows(
        [e.exchange or "(exchange not named)", str(e.deposit_addresses), str(e.transfers)], e.traced)]
    return _table(["exchange", "deposit addresses", "transfers", "victim money", ""], rows, amounts=[3])


def _services(s: Summary) -> list[str]:
    if not s.services:
        return ["None in this run."]
    rows = [r for v in s.services for r in _rows([v.address, v.kind, v.label or ""], v.traced)]
    return _table(["address", "kind", "label", "victim money", ""], rows, amounts=[3])


def _at_rest(s: Summary) -> list[str]:
    if not s.at_rest:
        return ["None in this run."]
    rows = [r for a in s.at_rest for r in _rows(
        [a.address or "?", a.subrole or a.role or "", a.cluster_id or ""], (a.amount,) if a.amount else ())]
    rows += _rows(["total", "", ""], s.at_rest_total())
    return _table(["address", "role", "cluster", "amount", ""], rows, amounts=[3])


def _not_followed(s: Summary) -> list[str]:
    if not s.not_followed:
        return ["Every transfer of victim money was followed."]
    rows = [r for n in s.not_followed for r in _rows([n.rule, str(n.count)], n.amounts)]
    return _table(["rule", "transfers", "amount", ""], rows, amounts=[2])


def _review(s: Summary) -> list[str]:
    if not s.review:
        return ["No address had conflicting evidence."]
    return _table(["address", "finding", "what the rules said"],
                  [[r.address, r.finding_id, r.detail] for r in s.review], amounts=[])


def _partners(s: Summary) -> list[str]:
    if not s.partner_matches:
        return ["No address this trace reached is flagged by a partner's tags."]
    return _table(["address", "partner", "TLP", "their label", "finding"],
                  [[m.address, m.source_org, (m.tlp or "").upper(), m.label, m.finding_id]
                   for m in s.partner_matches], amounts=[])


def _rows(fixed: list[str], *columns: tuple[Amount, ...]) -> list[list[str]]:
    """One table row per amount: the fixed cells on the first, each amount as (units, unit name)."""
    rows = []
    for i in range(max([1, *(len(c) for c in columns)])):
        row = list(fixed) if i == 0 else [""] * len(fixed)
        for column in columns:
            row += [column[i].units, column[i].unit_name] if i < len(column) else ["", ""]
        rows.append(row)
    return rows


def _table(headers: list[str], rows: list[list], amounts: list[int]) -> list[str]:
    """A Markdown-style table; amount columns right-aligned on the decimal point."""
    rows = [[_clean(str(c)) for c in row] for row in rows]
    for col in amounts:
        aligned = _align([r[col] for r in rows])
        for r, text in zip(rows, aligned, strict=True):
            r[col] = text
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    right = set(amounts)

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return "| " + " | ".join(padded) + " |"

    dashes = ("-" * (w + 1) + ":" if i in right else "-" * (w + 2) for i, w in enumerate(widths))
    rule = "|" + "|".join(dashes) + "|"
    return [line(headers), rule] + [line(r) for r in rows]


def _align(values: list[str]) -> list[str]:
    """Pad exact decimal strings so that their decimal points line up (blank cells stay blank)."""
    whole = [v.split(".")[0] for v in values]
    frac = [v.split(".")[1] if "." in v else "" for v in values]
    w, f = max((len(x) for x in whole), default=0), max((len(x) for x in frac), default=0)
    out = []
    for v, a, b in zip(values, whole, frac, strict=True):
        if not v:
            out.append("")
        elif f:
            out.append(a.rjust(w) + ("." + b if b else " ").ljust(f + 1))
        else:
            out.append(a.rjust(w))
    return out


def _clean(text: object) -> str:
    """Control characters (ESC, CR, ...) shown as \\x.. escapes."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))
