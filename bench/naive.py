"""The tracer a developer writes first: every transfer into Python, then a breadth-first search.

    graph = load_graph(con)                         # all transfers of the store, timed
    found = naive_trace(graph, scam_addresses(con, case_id), TraceParams().hops)

The baseline `python -m bench scale` sets tracers against. Rules, and nothing more:

- the graph: every token and native transfer with a value above zero, as sender -> receivers, in
  every asset (no taint, no time order, no amounts);
- the search starts at the case's scam addresses (its seeds) and goes forward; hop 1 is the
  victim's payment into the scam address, as in TraceParams.hops, so the search stops after hop 12;
- it stops at addresses tagged category `exchange` (they are reached, not followed);
- every untagged address it reached that sends to a tagged exchange hot wallet is a deposit
  address; every other untagged address it reached is a perpetrator.

Pure Python (dicts and sets), no networkx.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import duckdb

from tracers.evaluate import Counts

FOLLOWED_KINDS = ("token", "native")


@dataclass(frozen=True)
class Graph:
    """Who sends to whom (value > 0), and what the tags say."""

    receivers: dict[str, set[str]]
    exchanges: frozenset[str]  # tagged category exchange (hot and reserve wallets)
    tagged: frozenset[str]  # tagged anything
    rows: int  # transfers read
    seconds: float  # reading them and building the graph


@dataclass(frozen=True)
class NaiveResult:
    reached: dict[str, int]  # address -> hop
    perpetrators: frozenset[str]
    deposits: frozenset[str]
    seconds: float  # the search and the labelling


def load_graph(con: duckdb.DuckDBPyConnection, chain: str = "ethereum") -> Graph:
    """Every transfer of the chain into a dict of sets; the tags into sets."""
    started = time.perf_counter()
    rows = con.execute(
        "SELECT from_address, to_address, kind, amount > 0 FROM transfers WHERE chain = ?", [chain]
    ).fetchall()
    receivers: dict[str, set[str]] = {}
    for sender, receiver, kind, positive in rows:
        if positive and kind in FOLLOWED_KINDS and sender and receiver:
            receivers.setdefault(sender, set()).add(receiver)
    tags = con.execute("SELECT address, category FROM tags WHERE chain = ?", [chain]).fetchall()
    exchanges = frozenset(a for a, category in tags if category == "exchange")
    return Graph(receivers, exchanges, frozenset(a for a, _ in tags), len(rows), time.perf_counter() - started)


def scam_addresses(con: duckdb.DuckDBPyConnection, case_id: str) -> list[str]:
    """The case's seeds: the scam addresses the victims reported paying."""
    rows = con.execute("SELECT DISTINCT address FROM seeds WHERE case_id = ? ORDER BY address", [case_id])
    return [a for (a,) in rows.fetchall()]


def naive_trace(graph: Graph, seeds: list[str], hops: int) -> NaiveResult:
    """Breadth-first from the seeds up to `hops`, stopping at tagged exchanges; then label."""
    started = time.perf_counter()
    reached = {seed: 1 for seed in seeds}
    queue = deque(seeds)
    while queue:
        address = queue.popleft()
        if address in graph.exchanges or reached[address] >= hops:
            continue
        for receiver in graph.receivers.get(address, ()):
            if receiver not in reached:
                reached[receiver] = reached[address] + 1
                queue.append(receiver)
    untagged = [a for a in reached if a not in graph.tagged]
    deposits = frozenset(a for a in untagged if not graph.exchanges.isdisjoint(graph.receivers.get(a, ())))
    perpetrators = frozenset(a for a in untagged if a not in deposits)
    return NaiveResult(reached, perpetrators, deposits, time.perf_counter() - started)


def truth_sets(truth: dict) -> tuple[set[str], set[str]]:
    """(perpetrator addresses, scam deposit addresses) of a world's truth.json, lowercase."""
    perpetrators = {p["address"].lower() for p in truth["perpetrators"]}
    deposits = {d["deposit_address"].lower() for d in truth["scam_deposits"]}
    return perpetrators, deposits


def counts(predicted, truth: set[str]) -> Counts:
    predicted = {a.lower() for a in predicted}
    return Counts(tp=len(predicted & truth), fp=len(predicted - truth), fn=len(truth - predicted))
