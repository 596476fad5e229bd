"""What public tags say: an exchange hot wallet, another service, or a deposit address someone
tagged. Tagged services are endpoints whatever they pay or receive: never perpetrators, never
victims, never gas feeders, and money they pay out (withdrawals) is the account holder's own."""

from __future__ import annotations

import duckdb

from tracers.heuristics import Endpoint, with_table
from tracers.store.queries import rows

# Categories of tagged addresses that are services: money reaching them has left the scam's hands.
SERVICE_CATEGORIES = frozenset({
    "exchange", "mixing_service", "defi", "defi_bridge", "bridge", "defi_dex", "defi_lending",
    "payment_processor", "market", "gambling", "mining_service", "wallet_service", "otc",
})


BRIDGE_CATEGORIES = frozenset({"defi_bridge", "bridge"})


def tags_of(con: duckdb.DuckDBPyConnection, chain: str, addresses) -> dict[str, tuple]:
    """address -> (category, actor, label, confidence, role, destination chain) of its strongest tag;
    `role` is the tracers role a TagPack exported by tracers recorded in the tag's context, the
    destination chain what a bridge tag's context says (else None)."""
    with_table(con, "trace_lookup", addresses)
    found = rows(con, "heuristics/strongest_tags", {"chain": chain})
    return {a: (c, actor, label, conf, role, destination) for a, c, actor, label, conf, role, destination in found}


def fill_services(con: duckdb.DuckDBPyConnection, chain: str) -> set[str]:
    """Fill temp table trace_services with every address tagged as a service on the chain (the
    rules read it: withdrawals from them are someone's own money; they never join a cluster)."""
    found = rows(con, "heuristics/service_addresses", {"chain": chain, "categories": sorted(SERVICE_CATEGORIES)})
    services = {a for (a,) in found}
    with_table(con, "trace_services", services)
    return services


def tagged_endpoints(con: duckdb.DuckDBPyConnection, chain: str, candidates) -> dict[str, Endpoint]:
    found: dict[str, Endpoint] = {}
    for address, (category, actor, label, confidence, role, destination) in tags_of(con, chain, candidates).items():
        if category in BRIDGE_CATEGORIES:
            found[address] = Endpoint(
                role="service", subrole="defi_bridge", rule="bridge", label=label,
                detail=(f"deposit into a bridge ({label or actor}) to {destination or 'another chain'}: tracing "
                        "stops on this chain; the destination address is in the bridge's deposit event, "
                        "which the store does not hold (read it on an explorer, then trace that chain)"),
                confidence=confidence if confidence is not None else 50,
            )
        elif category == "exchange" and role == "deposit_wallet":
            found[address] = Endpoint(
                role="deposit_wallet", subrole="tagged", rule="tagged_deposit_address",
                exchange=actor, label=label,
                detail=f"tagged as a deposit address of {actor} ({label})",
                confidence=confidence if confidence is not None else 50,
            )
        elif category in SERVICE_CATEGORIES:
            found[address] = Endpoint(
                role="exchange" if category == "exchange" else "service",
                subrole=category, rule="tagged_service",
                exchange=actor if category == "exchange" else None, label=label,
                detail=f"tagged {category} ({label or actor}): tracing stops at services",
                confidence=confidence if confidence is not None else 50,
            )
    return found
