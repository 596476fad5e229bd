"""Exchange deposit addresses (Victor, FC 2020; Tutela's tau and alpha): an address that forwards
what it received to one exchange's tagged hot wallets. See sql/heuristics/deposit_address.sql."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from tracers.heuristics import Endpoint, as_json, run_rule, with_table

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams


def deposit_addresses(con: duckdb.DuckDBPyConnection, chain: str, candidates,
                      params: TraceParams) -> dict[str, Endpoint]:
    candidates = sorted(set(candidates))
    if not candidates:
        return {}
    rule_params = {
        "max_blocks": params.deposit_max_blocks,
        "batch_blocks": params.deposit_batch_max_blocks,
        "max_wei_diff": params.deposit_max_wei_diff,
    }
    with_table(con, "trace_candidates", candidates)
    found: dict[str, Endpoint] = {}
    for address, exchange, hot, _asset, sweep_tx, _swept, deposits, blocks, deposit_txs in run_rule(
            con, "deposit_address", chain, rule_params):
        if address in found:
            continue  # the first matched sweep is the evidence
        found[address] = Endpoint(
            role="deposit_wallet", subrole=None, rule="deposit_address", exchange=exchange,
            related=hot, tx_hashes=(*deposit_txs, sweep_tx),
            detail=(
                f"forwarded {'the sum of ' + str(deposits) + ' deposits' if deposits > 1 else 'a deposit'}"
                f" to {exchange} hot wallet {hot} {blocks} blocks later (sweep {sweep_tx})"
            ),
            params=as_json(rule_params), confidence=90,
        )
    return found
