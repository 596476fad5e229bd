"""Turn moves into transactions: order inside blocks, indexes, nonces, gas and hashes.

One transaction per move. Inside a block the order is random (every move only spends what
arrived in earlier blocks, so any order is consistent). Token transfers get block-global log
indexes increasing with the transaction index; nonces count each sender's transactions, failed
ones included. Fees are not taken out of balances (the simulator's books count values only);
gas and prices are plausible and consistent with each block's base fee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tracers.simulate.chain import Asset, Method, Timeline

TOKEN_GAS_USED = np.array([41_309, 46_109, 51_209, 63_209])


@dataclass(frozen=True)
class Assembled:
    """The world's transactions in chain order, with their 32-byte hashes in the same order.

    Columns: the moves columns plus tx_index, log_index (null for ether), nonce, gas, gas_used,
    gas_price, tip, cumulative_gas_used.
    """

    frame: pl.DataFrame
    hashes: np.ndarray

    def refs(self) -> pl.DataFrame:
        """ref, tx_hash, log_index, block for every scam move."""
        picked = self.frame.with_row_index("row").filter(pl.col("ref").is_not_null())
        rows = picked["row"].to_numpy()
        return pl.DataFrame(
            {
                "ref": picked["ref"],
                "tx_hash": ["0x" + self.hashes[row].tobytes().hex() for row in rows],
                "log_index": picked["log_index"],
                "block": picked["block"],
            }
        ).sort("ref")


def assemble(rng: np.random.Generator, world: pl.DataFrame, timeline: Timeline) -> Assembled:
    """Order the moves into blocks and give each its transaction fields."""
    count = len(world)
    frame = world.with_columns(key=pl.Series(rng.integers(0, 2**62, count))).sort("block", "key", maintain_order=True)
    frame = frame.drop("key")
    block = frame["block"].to_numpy()
    first = np.searchsorted(block, block, side="left")
    is_token = (frame["asset"].to_numpy() != Asset.ETH).astype(np.int64)
    tokens_so_far = np.cumsum(is_token) - is_token
    gas_used = np.where(is_token == 1, TOKEN_GAS_USED[rng.integers(0, len(TOKEN_GAS_USED), count)], 21_000)
    gas_used = np.where(frame["method"].to_numpy() == Method.MINT, 51_441, gas_used)
    gas = np.where(is_token == 1, (gas_used * rng.uniform(1.2, 1.6, count)).astype(np.int64) // 1000 * 1000, 21_000)
    used_so_far = np.cumsum(gas_used) - gas_used
    base_fee = timeline.base_fee[block]
    random_tip = rng.integers(10**7, 2 * 10**9, count)
    frame = frame.with_columns(
        tx_index=pl.Series(np.arange(count) - first),
        log_index=pl.when(pl.Series(is_token == 1)).then(pl.Series(tokens_so_far - tokens_so_far[first])),
        nonce=pl.int_range(pl.len()).over("sender"),
        gas=pl.Series(gas),
        gas_used=pl.Series(gas_used),
        gas_price=pl.col("gas_price").fill_null(pl.Series(base_fee + random_tip)),
        cumulative_gas_used=pl.Series(used_so_far - used_so_far[first] + gas_used),
    )
    frame = frame.with_columns(tip=pl.col("gas_price") - pl.Series(base_fee))
    hashes = np.frombuffer(rng.bytes(32 * count), dtype=np.uint8).reshape(count, 32)
    return Assembled(frame, hashes)
