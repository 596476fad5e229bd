"""Victim money into exchange deposit addresses: the transfers a subpoena asks the exchange about.

One query (sql/queries/deposit_flows.sql), shared by the subpoena CSV, the findings summary and the
report, so that they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from tracers.errors import StoreError
from tracers.store.queries import rows


@dataclass(frozen=True)
class DepositFlow:
    """One transfer that carried victim money into an exchange deposit address."""

    exchange: str  # the deposit address's exchange actor ('' when the trace named none)
    chain: str
    asset: str  # 'native' or the token contract
    kind: str  # native | internal | token
    position: int
    deposit_address: str
    tx_hash: str
    block_number: int
    block_time: datetime
    amount: int  # base units, the whole transfer
    traced_amount: int  # base units, the victim-attributed part
    hop: int
    report_ids: tuple[str, ...]
    from_address: str | None
    evidence: tuple[str, ...]  # finding ids that tag the deposit address

    @property
    def log_index(self) -> int | None:
        """The token transfer's log index; None for native value and internal transfers."""
        return self.position if self.kind == "token" else None

    def sort_key(self) -> tuple:
        log = -1 if self.log_index is None else self.log_index
        return (self.exchange, self.deposit_address, self.block_number, self.tx_hash, log,
                self.kind, self.position)


def deposit_flows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[DepositFlow]:
    """Every transfer into a deposit address of the run that carried victim money, in export order."""
    flows = [
        DepositFlow(
            exchange=exchange, chain=chain, asset=asset, kind=kind, position=position,
            deposit_address=address, tx_hash=tx_hash, block_number=block_number,
            block_time=block_time, amount=int(amount), traced_amount=int(traced),
            hop=hop, report_ids=tuple(report_ids), from_address=from_address,
            evidence=finding_ids(run_id, address, evidence),
        )
        for (exchange, chain, asset, kind, position, address, tx_hash, block_number, block_time,
             amount, traced, hop, report_ids, from_address, evidence)
        in rows(con, "queries/deposit_flows", {"run_id": run_id})
    ]
    return sorted(flows, key=DepositFlow.sort_key)


def finding_ids(run_id: str, address: str, evidence: str) -> tuple[str, ...]:
    """trace_addresses.evidence (a JSON list of finding ids) as a tuple, checked."""
    try:
        ids = json.loads(evidence)
    except json.JSONDecodeError:
        ids = None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise StoreError(
            f"trace run {run_id}: the evidence of address {address} is not a JSON list of finding "
            f"ids ({evidence!r}); trace the case again"
        )
    return tuple(ids)
