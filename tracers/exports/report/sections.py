"""The report's tables, as HTML: key figures, where the money went (the subpoena's numbers),
services, funds at rest, victims, clusters, peel chains, not followed, parameters.

Every cell from the store goes through `esc`; amounts are exact decimal strings in token units.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from tracers.domain import iso_utc
from tracers.exports.report.text import attrs, esc
from tracers.findings import Amount, AssetBook, DepositFlow, Summary, totals


def section(section_id: str, title: str, body: str, intro: str = "") -> str:
    lead = f'<p class="intro">{intro}</p>' if intro else ""
    return (f'<section{attrs(id=section_id, data_section=section_id)}>'
            f"<h2>{esc(title)}</h2>{lead}{body}</section>")


def table(headers: list[str], rows: list[tuple[str, list[str]]], cls: str = "") -> str:
    """`rows`: (the <tr>'s attributes, cells as HTML already escaped)."""
    if not rows:
        return '<p class="none">None in this run.</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(f"<tr{tr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>" for tr, cells in rows)
    return f'<table{attrs(class_=cls or None)}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def amounts_html(values: Iterable[Amount]) -> str:
    """One exact amount per line, each with its asset in data- attributes."""
    out = [f'<span class="amount"{attrs(data_chain=a.chain, data_asset=a.asset, data_amount=a.units)}>'
           f'{esc(a.units)} <span class="unit">{esc(a.unit_name)}</span></span>' for a in values]
    return "<br>".join(out) or '<span class="none">–</span>'


def code(text: str | None) -> str:
    return f"<code>{esc(text)}</code>" if text else '<span class="none">–</span>'


def header(s: Summary) -> str:
    run = s.run
    title = f": {esc(s.title)}" if s.title else ""
    notes = "".join(
        f'<p class="warning">A later trace run, {esc(r)}, is {esc(status)}; this report is of the last '
        f"finished one.</p>" for r, status in run.newer_unfinished
    )
    return (
        f'<header id="case"><h1>Case {esc(s.case_id)}{title}</h1>'
        f'<p class="run">Trace run <b>{esc(run.run_id)}</b>, started {esc(iso_utc(run.started_at))}, finished '
        f'{esc(iso_utc(run.finished_at) or "?")}, tracers {esc(run.tool_version)}; taint model '
        f'<b>{esc(run.params.get("taint", "?"))}</b>. Amounts are exact, in token units; the graph rounds '
        f"them for a glance and its tooltips say them exactly.</p>{notes}</header>"
    )


def key_figures(s: Summary) -> str:
    by_kind = s.victims_by_subrole()
    reported = _sum([a for v in s.victims for a in v.reported])
    paid = _sum([a for v in s.victims for a in v.paid])
    deposits = sum(e.deposit_addresses for e in s.exchanges)
    perpetrators = sum(c.size for c in s.clusters)
    cards = [
        ("Victims", f"{len(s.victims)}", ", ".join(f"{n} {esc(k)}" for k, (n, _) in by_kind.items())),
        ("Reported paid", amounts_html(reported), "what the accepted reports say"),
        ("Traced from victims", amounts_html(paid), "victim payments the trace followed"),
        ("Reached exchanges", amounts_html(_sum([a for e in s.exchanges for a in e.traced])),
         f"{len(s.exchanges)} exchange(s), {deposits} deposit address(es)"),
        ("Reached services", amounts_html(_sum([a for v in s.services for a in v.traced])),
         f"{len(s.services)} service address(es)"),
        ("Still at rest", amounts_html(s.at_rest_total()), f"{len(s.at_rest)} holding(s): freezable"),
        ("Scam addresses", f"{perpetrators}",
         f"{len(s.clusters)} cluster(s), {len(s.peel_chains)} peel chain(s)"),
    ]
    body = "".join(f'<div class="card"><div class="label">{esc(t)}</div><div class="value">{v}</div>'
                   f'<div class="sub">{sub}</div></div>' for t, v, sub in cards)
    return section("summary", "Summary", f'<div class="cards">{body}</div>')


def exchanges(s: Summary, deposits: list[DepositFlow], book: AssetBook) -> str:
    rows = [
        (attrs(data_exchange=e.exchange, data_deposit_addresses=e.deposit_addresses, data_transfers=e.transfers),
         [esc(e.exchange or "(exchange not named)"), str(e.deposit_addresses), str(e.transfers),
          amounts_html(e.traced)])
        for e in s.exchanges
    ]
    headers = ["exchange", "deposit addresses", "transfers", "victim money deposited (traced)"]
    overview = table(headers, rows, "exchanges")
    by_exchange: dict[str, list[DepositFlow]] = defaultdict(list)
    for f in deposits:
        by_exchange[f.exchange].append(f)
    details = "".join(_deposit_addresses(name, flows, book) for name, flows in sorted(by_exchange.items()))
    intro = ("Exchange deposit addresses that received victim money: the same transfers and totals as "
             "<code>tracers export subpoena</code> writes, one request per exchange.")
    return section("exchanges", "Where the money went: exchanges", overview + details, intro)


def _deposit_addresses(exchange: str, flows: list[DepositFlow], book: AssetBook) -> str:
    per_address: dict[tuple[str, str], list[DepositFlow]] = defaultdict(list)
    for f in flows:
        per_address[(f.chain, f.deposit_address)].append(f)
    rows = []
    for (chain, address), items in sorted(per_address.items()):
        times = sorted(iso_utc(f.block_time) for f in items)
        evidence = sorted({e for f in items for e in f.evidence})
        rows.append((attrs(data_deposit_address=address), [
            code(address), esc(chain), str(len(items)),
            amounts_html(totals(book, ((f.chain, f.asset, f.traced_amount) for f in items))),
            f'<span class="time">{esc(times[0])}</span>', f'<span class="time">{esc(times[-1])}</span>',
            " ".join(f'<a{attrs(href=f"#f-{e}")}>{esc(e)}</a>' for e in evidence),
        ]))
    name = exchange or "(exchange not named)"
    return (f'<details class="exchange"{attrs(data_exchange=exchange)}><summary>{esc(name)}: '
            f"{len(rows)} deposit address{'es' if len(rows) != 1 else ''}</summary>"
            + table(["deposit address", "chain", "transfers", "victim money", "first", "last", "evidence"], rows)
            + "</details>")


def services(s: Summary) -> str:
    rows = [(attrs(data_address=v.address, data_kind=v.kind),
             [code(v.address), esc(v.kind), esc(v.label), amounts_html(v.traced)]) for v in s.services]
    return section("services", "Services reached", table(["address", "kind", "label", "victim money"], rows),
                   "Untagged addresses that behave as a service (an OTC desk, a merchant), mixers and bridges, "
                   "and tagged services: tracing stops there. Mixer and bridge exposure is the victim money "
                   "that entered; its deposit transactions are in the findings.")


AT_REST_SHOWN = 15


def at_rest(s: Summary) -> str:
    """Per asset, largest holding first; past the first AT_REST_SHOWN rows the rest fold away."""
    held = sorted(s.at_rest, key=lambda a: (a.amount is None, a.amount.chain if a.amount else "",
                                            a.amount.asset if a.amount else "",
                                            -(a.amount.base_units if a.amount else 0), a.address or "", a.finding_id))
    rows = [(attrs(data_finding=a.finding_id),
             [code(a.address), esc(" / ".join(x for x in (a.role, a.subrole) if x)), esc(a.cluster_id),
              amounts_html((a.amount,) if a.amount else ())]) for a in held]
    headers = ["address", "role", "cluster", "victim money held"]
    total = table(["holdings", "victim money held"],
                  [(' class="total"', [str(len(held)), amounts_html(s.at_rest_total())])]) if held else ""
    body = total + table(headers, rows[:AT_REST_SHOWN])
    if len(rows) > AT_REST_SHOWN:
        body += (f'<details class="more-rows"><summary>{len(rows) - AT_REST_SHOWN} more holdings</summary>'
                 + table(headers, rows[AT_REST_SHOWN:]) + "</details>")
    return section("at-rest", "Funds at rest", body,
                   "Victim money still held at the end of the data: what a freeze request can still reach.")


def victims(s: Summary) -> str:
    rows = [(attrs(data_victim=v.address, data_subrole=v.subrole),
             [code(v.address), esc(v.subrole), esc(" ".join(v.report_ids)), amounts_html(v.reported),
              amounts_html(v.paid)])
            for v in s.victims]
    intro = ("<b>reported</b>: victims whose reports were accepted; <b>discovered</b>: other people who paid "
             "the same scam addresses, found by the trace. <i>Traced</i> is the victim money the trace "
             "followed from each.")
    return section("victims", "Victims", table(["address", "kind", "reports", "reported", "traced"], rows), intro)


def clusters_and_peels(s: Summary) -> str:
    rows = [(attrs(data_cluster=c.cluster_id),
             [esc(c.cluster_id), str(c.size), esc(", ".join(f"{k} {len(v)}" for k, v in c.members.items()))])
            for c in s.clusters]
    chains = []
    for n, chain in enumerate(s.peel_chains, start=1):
        hops = []
        for hop in chain.hops:
            peels = "".join(
                f"<li>peeled {amounts_html((p.amount,) if p.amount else ())} to {code(p.destination)}"
                f"{_where(p.destination_role, p.destination_exchange, p.destination_label)} "
                f'<a{attrs(href=f"#f-{p.finding_id}")}>{esc(p.finding_id)}</a></li>'
                for p in hop.peels
            )
            distance = esc(hop.hop if hop.hop is not None else "?")
            hops.append(f"<li>{code(hop.address)} (hop {distance})<ul>{peels}</ul></li>")
        first = chain.hops[0]
        chains.append(f'<details class="peel"><summary>Peel chain {n}: {len(chain.hops)} hops, cluster '
                      f"{esc(first.cluster_id or '–')}, {esc(first.chain)}</summary><ol>{''.join(hops)}</ol></details>")
    body = (table(["cluster", "addresses", "by part"], rows)
            + "<h3>Peel chains</h3>" + ("".join(chains) or '<p class="none">None in this run.</p>'))
    return section("clusters", "Clusters and peel chains", body)


def _where(role: str | None, exchange: str | None, label: str | None) -> str:
    said = " ".join(x for x in (role, exchange, label) if x)
    return f" ({esc(said)})" if said else ""


def not_followed(s: Summary) -> str:
    rows = [(attrs(data_rule=n.rule), [esc(n.rule), str(n.count), amounts_html(n.amounts)]) for n in s.not_followed]
    body = table(["rule", "transfers", "amount"], rows)
    if not rows:
        body = '<p class="none">Every transfer of victim money was followed.</p>'
    return section("not-followed", "Not followed", body,
                   "Transfers the trace saw and deliberately did not follow (poisoning, look-alike and spam "
                   "tokens, dust, too late): each is a finding below.")


def review(s: Summary) -> str:
    rows = [(attrs(data_address=r.address), [esc(r.address), esc(r.finding_id), esc(r.detail)]) for r in s.review]
    body = table(["address", "finding", "what the rules said"], rows)
    if not rows:
        body = '<p class="none">No address had conflicting evidence.</p>'
    return section("review", "For review", body,
                   "Addresses the rules disagreed on: the strongest evidence named each, the claims it beat "
                   "are listed so an analyst can check them.")


def partners(s: Summary) -> str:
    rows = [(attrs(data_address=m.address, data_partner=m.source_org),
             [esc(m.address), esc(m.source_org), esc((m.tlp or "").upper()), esc(m.label), esc(m.finding_id),
              esc(m.detail)])
            for m in s.partner_matches]
    body = table(["address", "partner", "TLP", "their label", "finding", "what it says"], rows)
    if not rows:
        body = '<p class="none">No address this trace reached is flagged by a partner\'s tags.</p>'
    return section("partners", "Flagged by partners", body,
                   "Addresses this trace reached that a partner organisation's tags flag (tags imported with "
                   "--source-org). The money decided each address's role; the partner's word stands beside it, "
                   "under the partner's TLP marking: share it no further than the marking allows.")


def parameters(s: Summary) -> str:
    rows = [(attrs(data_param=k), [code(k), code(json.dumps(v, sort_keys=True))])
            for k, v in sorted(s.run.params.items())]
    return section("parameters", "Trace parameters", table(["parameter", "value"], rows, "params"))


def _sum(values: list[Amount]) -> tuple[Amount, ...]:
    sums: dict[tuple, int] = defaultdict(int)
    for a in values:
        sums[(a.chain, a.asset, a.symbol, a.decimals)] += a.base_units
    ordered = sorted(sums.items(), key=lambda kv: kv[0][:2])
    return tuple(Amount(c, asset, sym, d, base) for (c, asset, sym, d), base in ordered)
