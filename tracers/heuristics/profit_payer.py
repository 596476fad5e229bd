"""The scam's payout address (sql/heuristics/profit_payer.sql): it pays the case's victims fake
"profits" after they paid, and mostly them. Found by what it pays, so a payout funded from the
operators' exchange account (no gas feeder link, no money from the cluster) still joins."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb

from tracers.heuristics import ClusterLink, run_rule, with_table

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams


def profit_payers(con: duckdb.DuckDBPyConnection, chain: str, victims, collections, members, excluded,
                  assets, params: TraceParams, ensure: Callable | None = None) -> list[ClusterLink]:
    """Links for the payout addresses. Needs temp table trace_services (tagged.fill_services).
    `ensure`, for a live trace, fetches the candidate payers' history before the rule decides
    (whom else they pay is what tells a payout from an exchange or an employer)."""
    with_table(con, "trace_victims", victims)
    with_table(con, "trace_collections", collections)
    with_table(con, "trace_members", members)
    with_table(con, "trace_excluded", excluded)
    rule_params = {"min_victims": params.profit_min_victims}
    bound = {"assets": sorted(assets), "token_dust": params.dust["token"], "native_dust": params.dust["native"],
             **rule_params}
    rows = run_rule(con, "profit_payer", chain, bound)
    if ensure is not None and rows:
        ensure([row[0] for row in rows])
        rows = run_rule(con, "profit_payer", chain, bound)
    return [
        ClusterLink(payer, "payout", "profit_payer", None, tuple(txs[:20]),
                    f"paid {count} of the case's victims after they paid the scam "
                    f"({count} of its {receivers} receivers): fake profits", 75, rule_params)
        for payer, count, receivers, txs, mostly_victims in rows if mostly_victims
    ]
