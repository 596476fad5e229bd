"""Fan-in clustering (sql/heuristics/fan_in.sql): consolidators and the collection addresses that
sweep into them. Returns links; the trace decides which addresses are new."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from tracers.heuristics import ClusterLink, run_rule, with_table

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams


def fan_in(con: duckdb.DuckDBPyConnection, chain: str, members, collections, core, excluded, assets,
           params: TraceParams) -> list[ClusterLink]:
    """Links for consolidators (related: a collection sweeping into it) and for their new
    collections (related: the consolidator); sweepers that pass the cluster's own money on are
    left out. Needs temp table trace_services (tagged.fill_services)."""
    with_table(con, "trace_members", members)
    with_table(con, "trace_collections", collections)
    with_table(con, "trace_core", core)
    with_table(con, "trace_excluded", excluded)
    rule_params = {"sweeper_share": params.sweeper_share, "min_sweepers": params.fan_in_min_sweepers}
    rows = run_rule(con, "fan_in", chain, {"assets": sorted(assets), "token_dust": params.dust["token"],
                                           "native_dust": params.dust["native"], **rule_params})
    links: list[ClusterLink] = []
    for consolidator, sweeper, _asset, amount, txs, known, passes_on in rows:
        links.append(ClusterLink(
            consolidator, "consolidator", "fan_in", sweeper, tuple(txs[:3]),
            "collection addresses sweep into it", 90, rule_params,
        ))
        if passes_on:
            continue
        links.append(ClusterLink(
            sweeper, "collection", "fan_in", consolidator, tuple(txs),
            f"sweeps what it receives into the cluster ({amount} base units into consolidator {consolidator})",
            100 if known else 85, rule_params,
        ))
    return links
