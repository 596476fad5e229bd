"""Mixers (sql/heuristics/mixer.sql): tagged ones are endpoints by their tag (tagged.py); an
untagged one is recognised by its shape. Tracing never goes beyond a mixer: the victim money that
entered it is reported as mixer exposure, with the deposit transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from tracers.heuristics import Endpoint, as_json, run_rule, with_table

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams

MIXER_SUBROLES = frozenset({"mixer", "mixing_service"})


def mixers(con: duckdb.DuckDBPyConnection, chain: str, candidates, params: TraceParams) -> dict[str, Endpoint]:
    """The mixers among `candidates` (those the case's ether reached: a mixer takes ether)."""
    candidates = sorted(set(candidates))
    if not candidates:
        return {}
    with_table(con, "trace_candidates", candidates)
    rule_params = {"min_depositors": params.mixer_min_depositors, "note_depositors": params.mixer_note_depositors}
    return {
        address: Endpoint(
            role="service", subrole="mixer", rule="mixer",
            detail=(f"untagged mixer by its shape: {depositors} depositors, {in_notes} of {deposits} deposits in "
                    f"fixed notes ({', '.join(sorted(denominations, key=int))} wei), pays out only through "
                    f"{payouts} relayed internal transfers to {receivers} addresses: tracing stops, the victim "
                    "money that entered is mixer exposure"),
            params=as_json(rule_params), confidence=70,
        )
        for address, deposits, depositors, in_notes, denominations, payouts, receivers
        in run_rule(con, "mixer", chain, rule_params)
    }
