"""What a monitoring pass shows a person: a markdown summary and a table of its alerts.

Plain text and plain rows, no prefect here; the flow hands them to
`prefect.artifacts.create_markdown_artifact` / `create_table_artifact` (key: `artifact_key(...)`).
Amounts stay exact: base units as decimal strings, token units only where the row gives `decimals`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from tracers.amounts import format_units
from tracers.domain import iso_utc
from tracers.monitor.deliver import exact_amount

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lowercase letters, digits, dashes) from e.g. ("alerts", case_id)."""
    text = "-".join(parts).lower()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text)).strip("-") or "alerts"


def units(amount: Any, decimals: Any) -> str:
    """Base units -> exact token units, or '' when the amount or its decimals are unknown."""
    exact = exact_amount(amount)
    if exact is None or decimals is None:
        return ""
    return format_units(int(exact), int(decimals))


def alerts_table(alerts: list[Mapping[str, Any]]) -> list[dict]:
    """One JSON-able row per alert, in the order given; amounts as strings, missing text as ''."""
    rows = []
    for alert in alerts:
        decimals = alert.get("decimals")
        rows.append({
            "alert_id": alert.get("alert_id") or "",
            "kind": alert.get("kind") or "",
            "chain": alert.get("chain") or "",
            "address": alert.get("address") or "",
            "related": alert.get("related") or "",
            "asset": alert.get("asset") or "",
            "symbol": alert.get("symbol") or "",
            "amount": exact_amount(alert.get("amount")) or "",
            "amount_units": units(alert.get("amount"), decimals),
            "traced_amount": exact_amount(alert.get("traced_amount")) or "",
            "traced_units": units(alert.get("traced_amount"), decimals),
            "tx_hash": alert.get("tx_hash") or "",
            "position": _int_or_none(alert.get("position")),
            "block_number": _int_or_none(alert.get("block_number")),
            "block_time": iso_utc(alert.get("block_time")) or "",
            "detail": alert.get("detail") or "",
        })
    return rows


def alerts_markdown(alerts: list[Mapping[str, Any]], case_id: str, pass_id: str) -> str:
    """A readable summary: the count by kind, then one line per alert (in the order given)."""
    lines = [f"# Alerts of case {_md(case_id)}", "", f"Pass {_md(pass_id)}.", ""]
    if not alerts:
        lines.append("No new alerts in this pass.")
        return "\n".join(lines) + "\n"
    counts = Counter(a.get("kind") or "?" for a in alerts)
    lines += [f"**{len(alerts)} alert{'s' if len(alerts) != 1 else ''}**", "",
              "| kind | alerts |", "| --- | ---: |"]
    for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {_md(kind)} | {n} |")
    lines += ["", "## Each alert", ""]
    lines += [_alert_line(a) for a in alerts]
    return "\n".join(lines) + "\n"


def _alert_line(alert: Mapping[str, Any]) -> str:
    parts = [f"- **{_md(alert.get('kind') or '?')}** on {_md(alert.get('chain') or '?')}"]
    if alert.get("address"):
        parts.append(f" `{_code(alert['address'])}`")
    if alert.get("related"):
        parts.append(f" → `{_code(alert['related'])}`")
    amount = _amount_text(alert, "amount")
    if amount:
        parts.append(f": {amount}")
        traced = _amount_text(alert, "traced_amount")
        if traced and exact_amount(alert.get("traced_amount")) != exact_amount(alert.get("amount")):
            parts.append(f" (traced {traced})")
    if alert.get("tx_hash"):
        parts.append(f", tx `{_code(alert['tx_hash'])}`")
    if alert.get("block_number") is not None:
        parts.append(f", block {int(alert['block_number'])}")
    when = iso_utc(alert.get("block_time"))
    if when:
        parts.append(f" at {when}")
    if alert.get("detail"):
        parts.append(f". {_md(alert['detail'])}")
    return "".join(parts)


def _amount_text(alert: Mapping[str, Any], key: str) -> str:
    exact = exact_amount(alert.get(key))
    if exact is None:
        return ""
    token = alert.get("symbol") or alert.get("asset") or ""
    decimals = alert.get("decimals")
    if decimals is None:
        return f"{exact} base units" + (f" of {_md(token)}" if token else "")
    return f"{units(exact, decimals)}" + (f" {_md(token)}" if token else "")


def _md(text: Any) -> str:
    """Text from the store (tag labels come from outside) made inert in markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(text: Any) -> str:
    return str(text).replace("`", "'")


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
