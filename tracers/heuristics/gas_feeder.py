"""Gas-feeder co-funding (sql/heuristics/gas_feeder.sql): the address that pays the cluster's gas
is the operation's; what else it funded joins the cluster at lower confidence. Tagged services
(an exchange paying out ether withdrawals, a rental service tagged as such) never count."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from tracers.heuristics import ClusterLink, run_rule, with_table

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams


def gas_feeders(con: duckdb.DuckDBPyConnection, chain: str, members, excluded,
                params: TraceParams) -> tuple[list[ClusterLink], set[tuple[str, str]]]:
    """Links for feeders and the addresses they funded, and the (feeder, funded) pairs."""
    with_table(con, "trace_members", members)
    with_table(con, "trace_excluded", excluded)
    rule_params = {
        "gas_max_wei": params.gas_max_wei,
        "min_funded": params.feeder_min_funded,
        "min_share": params.feeder_min_share,
    }
    links: list[ClusterLink] = []
    funded_pairs: set[tuple[str, str]] = set()
    for funder, funded, _is_member, txs, funded_total, funded_members in run_rule(
            con, "gas_feeder", chain, rule_params):
        links.append(ClusterLink(
            funder, "gas_feeder", "gas_feeder", None, tuple(txs[:3]),
            f"paid gas to {funded_members} cluster addresses ({funded_total} funded in all)",
            80, rule_params,
        ))
        funded_pairs.add((funder, funded))
        if funded not in excluded:
            links.append(ClusterLink(
                funded, "co_funded", "gas_feeder", funder, tuple(txs),
                f"funded for gas by the cluster's gas feeder {funder}", 60, rule_params,
            ))
    return links, funded_pairs
