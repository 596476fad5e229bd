"""Text for the page: everything from the store is escaped here, amounts are exact unless said.

`esc` is the only way store text reaches the HTML; `attrs` builds attributes from it. Amounts in
tables and data- attributes are exact decimal strings; `short_units` rounds for the graph's boxes
(their tooltips and every table say the exact figure).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal, localcontext
from urllib.parse import quote

from tracers.errors import TracersError
from tracers.findings import Amount

TX_PLACEHOLDER = "{tx}"


class ExplorerTemplateError(TracersError, ValueError):
    """An explorer URL template the report cannot use."""


def esc(value: object) -> str:
    """Text or attribute value, HTML-escaped (quotes included); None is ''."""
    return "" if value is None else html.escape(str(value), quote=True)


def attrs(**values: object) -> str:
    """` name="value"` pairs, escaped; `data_node_id` becomes `data-node-id`; None values left out."""
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in values.items() if v is not None)


def short_address(address: str | None) -> str:
    if not address:
        return "?"
    return address if len(address) <= 14 else f"{address[:6]}…{address[-4:]}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def exact(a: Amount) -> str:
    """`12345.678901 USDT`: exact, with what it counts."""
    return f"{a.units} {a.unit_name}"


def exact_list(amounts: Iterable[Amount]) -> str:
    return "; ".join(exact(a) for a in amounts) or "none"


def short_units(a: Amount) -> str:
    """For a glance: thousands grouped, 2 decimals (up to 6 below 1), rounded down; exact elsewhere."""
    value = Decimal(a.units)
    places = Decimal("0.01") if abs(value) >= 1 else Decimal("0.000001")
    with localcontext() as context:  # the default 28 digits cannot hold a spam token's 2**256 - 1
        context.prec = len(a.units) + 8
        cut = value.quantize(places, rounding=ROUND_DOWN)
    text = f"{cut:,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {a.symbol or a.unit_name}"


def explorer_link(template: str, tx_hash: str) -> str:
    """An <a> to the transaction on the explorer; the hash is escaped and URL-quoted."""
    url = template.replace(TX_PLACEHOLDER, quote(tx_hash, safe=""))
    return f'<a class="tx" href="{esc(url)}" rel="noreferrer noopener">{esc(tx_hash)}</a>'


def check_template(template: str) -> str:
    if TX_PLACEHOLDER not in template:
        raise ExplorerTemplateError(
            f"the explorer URL template {template!r} has no {TX_PLACEHOLDER} for the transaction hash: "
            "give one such as https://etherscan.io/tx/{tx} or https://tronscan.org/#/transaction/{tx}"
        )
    if not template.lower().startswith(("https://", "http://")):
        raise ExplorerTemplateError(
            f"the explorer URL template {template!r} is not an http(s) address: give one such as "
            "https://etherscan.io/tx/{tx}"
        )
    return template
