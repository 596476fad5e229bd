"""Services, decided by whose money an address moves (sql/heuristics/service.sql).

An untagged address the case's money reached is a service (OTC desk, merchant, payment processor)
when many outsiders pay it AND they are most of its payers or most of what it received is theirs:
it absorbs the case's money among unrelated flows (a shop the scam spent heavily at is still a
shop: a hundred customers pay it). A scam consolidator is paid by the cluster's own collection
addresses, so its inflow is the case's money whatever "profits" it pays back to victims; a mule's
wallet with a few outside payers (salary, friends) is followed, not called a service. Neither the
share nor the number of payers decides alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from tracers.heuristics import Endpoint, as_json, run_rule, with_table
from tracers.store.connection import read_sql

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams


@dataclass(frozen=True)
class Share:
    """The case's share of what an address received in one asset (judged on the largest payers)."""

    asset: str
    payers: int
    outsiders: int
    case_in: int
    sampled_in: int
    received: int

    def mostly_others(self, max_share: float) -> bool:
        # case_in / sampled_in < max_share, compared in exact integers (shares as thousandths)
        return self.case_in * 1000 < self.sampled_in * round(max_share * 1000)

    def serves_outsiders(self, params: TraceParams) -> bool:
        """Many outsiders pay it, and they are most of its payers or most of its money."""
        sampled = min(self.payers, params.service_sample)
        return self.outsiders >= params.service_min_outsiders and (
            self.outsiders * 2 >= sampled or self.mostly_others(params.service_max_case_share))


def case_shares(con: duckdb.DuckDBPyConnection, chain: str, candidates, case_side, victims,
                assets, params: TraceParams, ensure: Callable | None = None) -> dict[str, list[Share]]:
    """address -> its shares per asset. Needs temp table trace_services (tagged.fill_services).
    `ensure`, for a live trace, fetches the judged payers' history before the rule reads it."""
    candidates = sorted(set(candidates))
    if not candidates:
        return {}
    with_table(con, "trace_candidates", candidates)
    con.execute("CREATE OR REPLACE TEMP TABLE trace_paid AS " + read_sql("heuristics/payers.sql"),
                {"chain": chain, "assets": sorted(assets), "sample": params.service_sample})
    if ensure is not None:
        ensure([payer for (payer,) in con.execute("SELECT DISTINCT payer FROM trace_paid ORDER BY 1").fetchall()])
    with_table(con, "trace_case_side", set(case_side) | set(candidates))
    with_table(con, "trace_victims", victims)
    shares: dict[str, list[Share]] = {}
    for address, asset, payers, outsiders, case_in, sampled_in, received in run_rule(
            con, "service", chain, {"assets": sorted(assets), "sweeper_share": params.sweeper_share}):
        shares.setdefault(address, []).append(
            Share(asset, payers, outsiders, int(case_in), int(sampled_in), int(received)))
    return shares


def services(con: duckdb.DuckDBPyConnection, chain: str, candidates, case_side, victims,
             reached_assets: dict[str, set[str]], params: TraceParams,
             ensure: Callable | None = None) -> dict[str, Endpoint]:
    """The candidates that are services, judged in the assets the case's money reached them in."""
    rule_params = {
        "max_case_share": params.service_max_case_share,
        "min_outsiders": params.service_min_outsiders,
        "sample": params.service_sample,
        "sweeper_share": params.sweeper_share,
    }
    assets = set().union(*reached_assets.values()) if reached_assets else set()
    found: dict[str, Endpoint] = {}
    for address, shares in case_shares(con, chain, candidates, case_side, victims, assets, params, ensure).items():
        judged = [s for s in shares if s.asset in reached_assets.get(address, ())]
        if not judged or not all(s.serves_outsiders(params) for s in judged):
            continue
        main = max(judged, key=lambda s: s.received)
        found[address] = Endpoint(
            role="service", subrole="absorbs_case_money", rule="service",
            detail=(
                f"untagged; {main.outsiders} of its {min(main.payers, params.service_sample)} largest "
                f"payers are outsiders ({main.payers} payers in all) and the case's money is "
                f"{_percent(main.case_in, main.sampled_in)} of what they paid: it absorbs the case's "
                "money among unrelated flows, as a service does"
            ),
            params=as_json(rule_params), confidence=60,
        )
    return found


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 // whole if whole else 0} %"
