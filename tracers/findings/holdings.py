"""Victim money still at rest, holding by holding: one per (chain, address, asset) of the run's
funds at rest (the `funds_at_rest` view: its `at_rest` findings), with what the store says around
it. The freeze export writes these; the summary and monitoring read the same view.

- `held`: the victim-attributed amount still held, per the run's taint model (base units, exact);
- `balance`: what the store says the address holds of the asset, sum in - sum out (exact).
  `history` is COMPLETE when a live source fetched the address's whole history (it has a fetch
  checkpoint), else PARTIAL (e.g. an ethereum-etl import of a block range: the address may have
  moved money outside it). Native balances ignore gas fees, which the store does not hold: for a
  native coin the balance and the traced amount are upper bounds; `notes` say which applies;
- `last_movement`, `last_movement_tx`: the newest transfer touching the address (any asset);
- `report_ids`, `flow_tx_hashes`: the reports whose money flowed in and the transfers that brought
  it (trace_flows into the address, in that asset). Under `fifo` or `poison` taint some of those
  reports' money may have left again; `held` is what is left;
- `evidence`: the at_rest findings and the findings that make the address a perpetrator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import duckdb

from tracers.chains import NATIVE
from tracers.findings.deposits import finding_ids
from tracers.store.queries import rows

COMPLETE, PARTIAL = "complete", "partial history"


@dataclass(frozen=True)
class Holding:
    """Victim money at rest in one address, in one asset, with what the store says around it."""

    chain: str
    address: str
    asset: str  # 'native' or the token contract
    issuer: str | None  # who can freeze the asset; None: nobody (native coin, unknown token)
    role: str | None
    subrole: str | None
    cluster_id: str | None
    held: int  # base units: victim-attributed money still at the address (the at_rest findings)
    balance: int  # base units: sum in - sum out of the asset in the store
    history: str  # COMPLETE | PARTIAL
    last_movement: datetime | None
    last_movement_tx: str | None
    report_ids: tuple[str, ...]
    flow_tx_hashes: tuple[str, ...]
    evidence: tuple[str, ...]  # at_rest finding ids, then the address's role findings
    notes: tuple[str, ...]

    @property
    def share(self) -> str:
        """held / balance as a decimal with 4 places, rounded down; '' when the balance is not > 0."""
        if self.balance <= 0:
            return ""
        quotient = self.held * 10_000 // self.balance
        return f"{quotient // 10_000}.{quotient % 10_000:04d}"

    def sort_key(self) -> tuple:
        return (self.chain, self.asset, -self.held, self.address)


def holdings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Holding]:
    """Every (chain, address, asset) holding victim money at rest in the run, in export order."""
    bound = {"run_id": run_id}
    held: dict[tuple[str, str, str], dict] = {}
    for fid, chain, address, asset, amount, role, subrole, cluster_id, evidence, issuer in rows(
        con, "queries/at_rest", bound
    ):
        entry = held.setdefault((chain, address, asset), {
            "held": 0, "ids": [], "role": role, "subrole": subrole, "cluster_id": cluster_id,
            "evidence": evidence, "issuer": issuer,
        })
        entry["held"] += int(amount)
        entry["ids"].append(fid)
    if not held:
        return []
    flows: dict[tuple, list] = defaultdict(list)
    for chain, address, asset, tx_hash, report_ids in rows(con, "queries/at_rest_flows_in", bound):
        flows[(chain, address, asset)].append((tx_hash, report_ids))
    balances = {
        (chain, address, asset): int(inflow or 0) - int(outflow or 0)
        for chain, address, asset, inflow, outflow in rows(con, "queries/at_rest_balances", bound)
    }
    touching = {
        (chain, address): (time, tx, tuple(sources))
        for chain, address, time, tx, sources in rows(con, "queries/at_rest_last_movement", bound)
    }
    checkpoints: dict[tuple, list[tuple[str, int]]] = defaultdict(list)
    for chain, address, source, through in rows(con, "queries/at_rest_checkpoints", bound):
        checkpoints[(chain, address)].append((source, through))

    found = []
    for key, entry in held.items():
        chain, address, asset = key
        amount, ids, evidence = entry["held"], sorted(entry["ids"]), entry["evidence"]
        came_in = flows.get(key, [])
        time, tx, sources = touching.get((chain, address), (None, None, ()))
        balance = balances.get(key, 0)
        history, notes = _history(asset, int(amount), balance, checkpoints.get((chain, address), []), sources)
        role_ids = finding_ids(run_id, address, evidence) if evidence is not None else ()
        found.append(Holding(
            chain=chain, address=address, asset=asset, issuer=entry["issuer"], role=entry["role"],
            subrole=entry["subrole"], cluster_id=entry["cluster_id"], held=int(amount), balance=balance,
            history=history,
            last_movement=time, last_movement_tx=tx,
            report_ids=tuple(sorted({r for _, reports in came_in for r in reports})),
            flow_tx_hashes=tuple(dict.fromkeys(t for t, _ in came_in)),
            evidence=tuple(dict.fromkeys((*ids, *role_ids))), notes=notes,
        ))
    return sorted(found, key=Holding.sort_key)


def _history(
    asset: str, held: int, balance: int, checkpoints: list[tuple[str, int]], sources: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """(COMPLETE or PARTIAL, the notes that say why and what else a reader must know)."""
    notes = []
    if checkpoints:
        history = COMPLETE
        fetched = ", ".join(f"{source} through block {through}" for source, through in checkpoints)
        notes.append(f"history fetched whole from {fetched}; later blocks are not in the store")
    else:
        history = PARTIAL
        notes.append(
            "no fetch checkpoint: the store holds the transfers it imported "
            f"({', '.join(sources) or 'none'}), not necessarily the address's whole history"
        )
    if balance < 0:
        history = PARTIAL
        notes.append("the store has more of it leaving than arriving: some inflows are missing")
    elif held > balance:
        notes.append("the trace attributes more than the stored balance: check the store's history")
    if asset == NATIVE:
        notes.append("gas fees are not in the store: the native balance and the traced amount still "
                     "held are upper bounds")
    return history, tuple(notes)
