"""The part of the chain a case touches, loaded from the store as the trace reaches it.

Only the transfers of addresses the trace has reached are read (a semi-join on a small temp table),
so the cost follows the case, not the size of the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from tracers.heuristics import with_table
from tracers.store.connection import read_sql

__all__ = ["CaseGraph", "Move", "with_table"]


@dataclass(frozen=True, slots=True)
class Move:
    """One transfer."""

    asset: str
    kind: str
    tx_hash: str
    position: int
    block_number: int
    order: int  # within the block: log index (tokens) or transaction index (native)
    block_time: datetime
    sender: str | None
    receiver: str | None
    amount: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.tx_hash, self.kind, self.position)


class CaseGraph:
    def __init__(self, con: duckdb.DuckDBPyConnection, chain: str):
        self.con = con
        self.chain = chain
        self.moves: dict[tuple[str, str, int], Move] = {}
        self.loaded: set[str] = set()
        self._sorted: list[Move] | None = None

    def load(self, addresses) -> int:
        """Read the transfers of addresses not read yet; returns how many addresses were new."""
        new = sorted(set(addresses) - self.loaded)
        if not new:
            return 0
        with_table(self.con, "trace_frontier", new)
        rows = self.con.execute(
            read_sql("heuristics/transfers_of_frontier.sql"), {"chain": self.chain}
        ).fetchall()
        for asset, kind, tx, position, block, order, time, sender, receiver, amount in rows:
            move = Move(asset, kind, tx, position, block, order, time, sender, receiver, int(amount))
            self.moves[move.key] = move
        self.loaded.update(new)
        self._sorted = None
        return len(new)

    def in_order(self) -> list[Move]:
        if self._sorted is None:
            self._sorted = sorted(
                self.moves.values(), key=lambda m: (m.block_number, m.order, m.tx_hash, m.position)
            )
        return self._sorted
