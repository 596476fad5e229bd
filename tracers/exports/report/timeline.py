"""Victim payments against cash-outs, by day (UTC): one inline SVG per asset, victims' payments into
the scam above the axis, victim money deposited at exchanges below it, on one shared calendar."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, timedelta

import duckdb

from tracers.exports.report.text import attrs, esc, exact, short_units
from tracers.findings import AssetBook, DepositFlow, amount, victim_payments

SERIES = (("victim_payments", "paid by victims", "#0072B2"),
          ("exchange_deposits", "deposited at exchanges", "#009E73"))
PLOT_W, HALF_H, LEFT, TOP, BOTTOM = 1000, 80, 64, 22, 22


@dataclass(frozen=True)
class Day:
    amount: int  # base units
    transfers: int


@dataclass(frozen=True)
class Timeline:
    first: date
    last: date
    series: dict[tuple[str, str], dict[str, dict[date, Day]]]  # (chain, asset) -> series -> day -> sum

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def read_timeline(con: duckdb.DuckDBPyConnection, run_id: str, deposits: list[DepositFlow]) -> Timeline | None:
    rows = [("victim_payments", p.chain, p.asset, p.block_time, p.amount) for p in victim_payments(con, run_id)]
    rows += [("exchange_deposits", f.chain, f.asset, f.block_time, f.traced_amount)
             for f in deposits if f.traced_amount > 0]
    if not rows:
        return None
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for name, chain, asset, when, base in rows:
        entry = sums[(chain, asset, name, _utc_day(when))]
        entry[0] += base
        entry[1] += 1
    series: dict[tuple[str, str], dict[str, dict[date, Day]]] = defaultdict(lambda: defaultdict(dict))
    for (chain, asset, name, day), (base, n) in sorted(sums.items()):
        series[(chain, asset)][name][day] = Day(base, n)
    days = [day for _, _, _, day in sums]
    return Timeline(min(days), max(days), {k: dict(v) for k, v in sorted(series.items())})


def _utc_day(moment) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def timeline_svgs(timeline: Timeline, book: AssetBook) -> str:
    return "".join(_panel(timeline, key, book) for key in timeline.series)


def _panel(timeline: Timeline, key: tuple[str, str], book: AssetBook) -> str:
    chain, asset = key
    symbol = book.symbol(chain, asset) or asset
    series = timeline.series[key]
    peak = max((d.amount for s in series.values() for d in s.values()), default=1) or 1
    step = PLOT_W / timeline.days
    bar = max(min(step * 0.8, 28), 1)
    width, height = LEFT + PLOT_W + 16, TOP + 2 * HALF_H + BOTTOM
    axis = TOP + HALF_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline"'
        f'{attrs(data_chain=chain, data_asset=asset, data_symbol=symbol, data_days=timeline.days)}'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"'
        f'{attrs(aria_label=f"{symbol} on {chain}: victim payments and exchange deposits by day")}>',
        f'<text class="panel-title" x="{LEFT}" y="14">{esc(symbol)} on {esc(chain)}: '
        f'<tspan class="up">▲ paid by victims</tspan>  <tspan class="down">▼ deposited at exchanges</tspan>'
        f' (tallest bar {esc(short_units(amount(book, chain, asset, peak)))})</text>',
        f'<line class="axis" x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{axis}" y2="{axis}"/>',
        f'<text class="side up" x="{LEFT - 6}" y="{axis - 6}" text-anchor="end">paid ▲</text>',
        f'<text class="side down" x="{LEFT - 6}" y="{axis + 14}" text-anchor="end">out ▼</text>',
    ]
    for name, label, colour in SERIES:
        for day, value in sorted(series.get(name, {}).items()):
            h = max(HALF_H * value.amount / peak, 1.0)
            x = LEFT + (day - timeline.first).days * step + (step - bar) / 2
            y = axis - h if name == "victim_payments" else axis
            a = amount(book, chain, asset, value.amount)
            plural = "s" if value.transfers != 1 else ""
            tip = f"{day.isoformat()}: {exact(a)} {label} in {value.transfers} transfer{plural}"
            parts.append(
                f'<rect class="bar"{attrs(data_series=name, data_day=day.isoformat(), data_amount=a.units)}'
                f'{attrs(data_transfers=value.transfers)} x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}"'
                f' height="{h:.1f}" fill="{colour}"><title>{esc(tip)}</title></rect>'
            )
    parts += _ticks(timeline, step, height)
    parts.append("</svg>")
    return "".join(parts)


def _ticks(timeline: Timeline, step: float, height: int) -> list[str]:
    every = max(1, -(-timeline.days // 12))
    out = []
    for i in range(0, timeline.days, every):
        day = timeline.first + timedelta(days=i)
        x = LEFT + i * step + step / 2
        text = day.isoformat() if i == 0 else day.strftime("%m-%d")
        out.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + 2 * HALF_H}" y2="{TOP + 2 * HALF_H + 4}"/>'
                   f'<text class="tick-label" x="{x:.1f}" y="{height - 6}" text-anchor="middle">{text}</text>')
    return out
