"""A Source that answers from another store: the whole chain a world holds, served address by
address, counting requests. For testing the live-trace machinery without HTTP."""

from __future__ import annotations

from datetime import UTC

import duckdb

from tracers.domain import FetchResult, Transfer


class StoreSource:
    name = "explorer"  # behaves as one; checkpoints are kept under this name

    def __init__(self, path, page: int = 1000):
        self.path = path
        self.con = duckdb.connect(str(path), read_only=True)
        self.page = page
        self.requests = 0
        self.fetched: list[tuple[str, int, int]] = []

    def describe(self) -> dict:
        return {"source": self.name, "url": f"store {self.path}", "chain_id": None}

    def head(self, chain: str) -> int:
        self.requests += 1
        return int(self.con.execute("SELECT max(block_number) FROM transfers WHERE chain = ?", [chain]).fetchall()[0][0])

    def fetch(self, chain: str, address: str, from_block: int, through_block: int) -> FetchResult:
        self.fetched.append((address, from_block, through_block))
        rows = self.con.execute(
            """SELECT asset, kind, tx_hash, position, block_number, tx_index, block_time,
                      from_address, to_address, CAST(amount AS VARCHAR)
               FROM transfers WHERE chain = ? AND block_number BETWEEN ? AND ?
                 AND (from_address = ? OR to_address = ?)
               ORDER BY block_number, tx_hash, kind, position""",
            [chain, from_block, through_block, address, address],
        ).fetchall()
        self.requests += max(1, -(-len(rows) // self.page))
        transfers = tuple(
            Transfer(chain, a, k, h, p, b, i, t.astimezone(UTC), f, to, int(v))
            for a, k, h, p, b, i, t, f, to, v in rows
        )
        return FetchResult(chain, address, self.name, from_block, through_block, transfers,
                           requests=max(1, -(-len(rows) // self.page)))
