"""Where tracing stops: what an address the money reached is, before following it further.

In order: a tagged exchange or other service (from the tags), a victim the money returned to (a
fake "profit"), an exchange deposit address (Victor 2020), an untagged address that behaves as a
service. Anything else is followed further.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from tracers.store.connection import read_sql
from tracers.trace.graph import with_table
from tracers.trace.params import TraceParams

# Categories of tagged addresses that are services: money reaching them has left the scam's hands.
SERVICE_CATEGORIES = frozenset({
    "exchange", "mixing_service", "defi", "defi_bridge", "bridge", "defi_dex", "defi_lending",
    "payment_processor", "market", "gambling", "mining_service", "wallet_service", "otc",
})


@dataclass(frozen=True)
class Endpoint:
    role: str  # exchange | service | deposit_wallet | victim | unknown
    subrole: str | None
    rule: str
    exchange: str | None = None
    label: str | None = None
    related: str | None = None
    tx_hashes: tuple[str, ...] = ()
    detail: str = ""
    params: str = "{}"
    confidence: int = 100


def tags_of(con: duckdb.DuckDBPyConnection, chain: str, addresses) -> dict[str, tuple]:
    """address -> (category, actor, label, confidence, role) of its strongest tag; `role` is the
    tracers role a TagPack exported by tracers recorded in the tag's context (else None)."""
    with_table(con, "trace_lookup", addresses)
    rows = con.execute(
        """
        SELECT address, category, actor, label, confidence,
               CASE WHEN json_valid(context) THEN json_extract_string(context, '$.role') END AS role
        FROM tags
        WHERE chain = $chain AND address IN (SELECT address FROM trace_lookup)
        QUALIFY row_number() OVER (
            PARTITION BY address
            ORDER BY (category IN ('exchange')) DESC, coalesce(confidence, 0) DESC, tagpack, tag_index
        ) = 1
        """,
        {"chain": chain},
    ).fetchall()
    return {a: (c, actor, label, conf, role) for a, c, actor, label, conf, role in rows}


def classify(
    con: duckdb.DuckDBPyConnection,
    chain: str,
    candidates: list[str],
    victims: set[str],
    params: TraceParams,
) -> dict[str, Endpoint]:
    """The endpoints among `candidates`; the others are to be followed."""
    found: dict[str, Endpoint] = {}
    if not candidates:
        return found
    tags = tags_of(con, chain, candidates)
    for address in candidates:
        tag = tags.get(address)
        if tag and tag[0] == "exchange" and tag[4] == "deposit_wallet":
            category, actor, label, confidence, _ = tag
            found[address] = Endpoint(
                role="deposit_wallet", subrole="tagged", rule="tagged_deposit_address",
                exchange=actor, label=label,
                detail=f"tagged as a deposit address of {actor} ({label})",
                confidence=confidence if confidence is not None else 50,
            )
        elif tag and tag[0] in SERVICE_CATEGORIES:
            category, actor, label, confidence, _ = tag
            found[address] = Endpoint(
                role="exchange" if category == "exchange" else "service",
                subrole=category,
                rule="tagged_service",
                exchange=actor if category == "exchange" else None,
                label=label,
                detail=f"tagged {category} ({label or actor}): tracing stops at services",
                confidence=confidence if confidence is not None else 50,
            )
        elif address in victims:
            found[address] = Endpoint(
                role="victim", subrole="returned", rule="returned_to_victim",
                detail="money paid back to a victim of the case (a fake 'profit'?)",
            )
    rest = [a for a in candidates if a not in found]
    found.update(_deposit_addresses(con, chain, rest, params))
    rest = [a for a in rest if a not in found]
    found.update(_services(con, chain, rest, params))
    return found


def _run_rule(con, rule: str, chain: str, candidates: list[str], rule_params: dict) -> list[tuple]:
    """Run sql/heuristics/<rule>.sql over the candidates with the rule's parameters bound."""
    if not candidates:
        return []
    with_table(con, "trace_candidates", candidates)
    return con.execute(read_sql(f"heuristics/{rule}.sql"), {"chain": chain, **rule_params}).fetchall()


def _deposit_addresses(con, chain: str, candidates: list[str], params: TraceParams) -> dict[str, Endpoint]:
    rule_params = {
        "max_blocks": params.deposit_max_blocks,
        "batch_blocks": params.deposit_batch_max_blocks,
        "max_wei_diff": params.deposit_max_wei_diff,
    }
    rows = _run_rule(con, "deposit_address", chain, candidates, rule_params)
    found: dict[str, Endpoint] = {}
    for address, exchange, hot, asset, sweep_tx, swept, deposits, blocks, deposit_txs in rows:
        if address in found:
            continue  # the first matched sweep is the evidence
        found[address] = Endpoint(
            role="deposit_wallet", subrole=None, rule="deposit_address", exchange=exchange,
            related=hot, tx_hashes=(*deposit_txs, sweep_tx),
            detail=(
                f"forwarded {'the sum of ' + str(deposits) + ' deposits' if deposits > 1 else 'a deposit'}"
                f" to {exchange} hot wallet {hot} {blocks} blocks later (sweep {sweep_tx})"
            ),
            params=json.dumps(rule_params, sort_keys=True),
            confidence=90,
        )
    return found


def _services(con, chain: str, candidates: list[str], params: TraceParams) -> dict[str, Endpoint]:
    rule_params = {
        "min_senders": params.service_min_senders,
        "min_receivers": params.service_min_receivers,
        "sweeper_share": params.sweeper_share,
        "sample": params.service_sample,
    }
    rows = _run_rule(con, "service_like", chain, candidates, rule_params)
    return {
        address: Endpoint(
            role="service", subrole="service_like", rule="service_like",
            detail=(
                f"untagged, behaves as a service: paid by {senders} senders "
                f"({non_sweeping} of them paying others too), pays {receivers} receivers"
            ),
            params=json.dumps(rule_params, sort_keys=True),
            confidence=60,
        )
        for address, senders, non_sweeping, receivers in rows
    }
