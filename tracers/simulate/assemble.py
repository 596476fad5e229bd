"""Turn moves into transactions: order inside blocks, indexes, nonces, gas and hashes.

One transaction per move, except the legs of a contract call (moves sharing a `tx` id: a swap, a
relayed mixer withdrawal), which stay together and in order. Inside a block the order of
transactions is random (every move only spends what arrived in earlier blocks, so any order is
consistent). Token transfers get block-global log indexes increasing with the transaction index;
internal ether legs get trace addresses "0", "1", ... in order; nonces count each sender's
transactions, failed ones included. Fees are not taken out of balances (the simulator's books count
values only); gas and prices are plausible and consistent with each block's base fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

from tracers.simulate.chain import Asset, Leg, Method, Timeline

TOKEN_GAS_USED = np.array([41_309, 46_109, 51_209, 63_209])
CALL_GAS_USED = {  # contract calls: what such calls typically use on mainnet
    Method.MINT: 51_441,
    Method.SWAP: 128_511,
    Method.WRAP: 27_938,
    Method.UNWRAP: 35_242,
    Method.MIXER_DEPOSIT: 1_012_734,
    Method.MIXER_WITHDRAW: 341_233,
    Method.BRIDGE_DEPOSIT: 96_114,
}


@dataclass(frozen=True)
class Assembled:
    """The world's transactions in chain order, with their 32-byte hashes in the same order.

    One row per move. Columns: the moves columns plus `tx_number` (the transaction's position in
    chain order and in `hashes`), `head` (the transaction's first leg, which carries its fields),
    tx_index, log_index (null unless a token Transfer log), trace (null unless an internal ether
    leg: its trace address), subtraces (internal legs of the transaction), nonce, gas, gas_used,
    gas_price, tip, cumulative_gas_used.
    """

    frame: pl.DataFrame
    hashes: np.ndarray

    def refs(self) -> pl.DataFrame:
        """ref, tx_hash, log_index, block for every scam move."""
        picked = self.frame.filter(pl.col("ref").is_not_null())
        numbers = picked["tx_number"].to_numpy()
        return pl.DataFrame(
            {
                "ref": picked["ref"],
                "tx_hash": ["0x" + self.hashes[number].tobytes().hex() for number in numbers],
                "log_index": picked["log_index"],
                "block": picked["block"],
                "trace": picked["trace"],
            }
        ).sort("ref")

    def transactions(self) -> pl.DataFrame:
        """One row per transaction: its first leg."""
        return self.frame.filter(pl.col("head"))


def assemble(rng: np.random.Generator, world: pl.DataFrame, timeline: Timeline) -> Assembled:
    """Order the moves into blocks and give each transaction its fields."""
    world = world.with_columns(tx_number=_transaction_numbers(world))
    count = cast(int, world["tx_number"].max()) + 1 if len(world) else 0  # tx_number is an Int64 column
    keys = pl.Series(rng.integers(0, 2**62, count)).gather(world["tx_number"])
    frame = world.with_columns(key=keys).sort("block", "key", maintain_order=True).drop("key")
    frame = frame.with_columns(tx_number=_transaction_numbers(frame.with_columns(tx=pl.col("tx_number"))))
    frame = frame.with_columns(head=pl.col("tx_number").diff().fill_null(1) != 0)
    heads = frame.filter(pl.col("head"))
    block = heads["block"].to_numpy()
    first = np.searchsorted(block, block, side="left")
    method = heads["method"].to_numpy()
    is_token = ((heads["asset"].to_numpy() != Asset.ETH) | (method >= Method.SWAP)).astype(np.int64)
    gas_used = np.where(is_token == 1, TOKEN_GAS_USED[rng.integers(0, len(TOKEN_GAS_USED), count)], 21_000)
    for call, used in CALL_GAS_USED.items():
        gas_used = np.where(method == call, used, gas_used)
    gas = np.where(is_token == 1, (gas_used * rng.uniform(1.2, 1.6, count)).astype(np.int64) // 1000 * 1000, 21_000)
    used_so_far = np.cumsum(gas_used) - gas_used
    base_fee = timeline.base_fee[block]
    random_tip = rng.integers(10**7, 2 * 10**9, count)
    transactions = heads.select(
        "tx_number",
        tx_index=pl.Series(np.arange(count) - first),
        nonce=pl.int_range(pl.len()).over("sender"),
        gas=pl.Series(gas),
        gas_used=pl.Series(gas_used),
        gas_price=pl.col("gas_price").fill_null(pl.Series(base_fee + random_tip)),
        cumulative_gas_used=pl.Series(used_so_far - used_so_far[first] + gas_used),
        tip=pl.col("gas_price").fill_null(pl.Series(base_fee + random_tip)) - pl.Series(base_fee),
    )
    frame = frame.drop("gas_price").join(transactions, on="tx_number", how="left", maintain_order="left")
    frame = frame.with_columns(log_index=_log_indexes(frame), **_traces(frame))
    hashes = np.frombuffer(rng.bytes(32 * count), dtype=np.uint8).reshape(count, 32)
    return Assembled(frame, hashes)


def _transaction_numbers(moves: pl.DataFrame) -> pl.Series:
    """0, 1, ... per transaction in row order: a row starts one unless it continues the previous
    row's `tx` (the legs of a contract call are contiguous)."""
    same = (pl.col("tx") == pl.col("tx").shift(1)).fill_null(False)
    return moves.select((~same).cum_sum() - 1).to_series().cast(pl.Int64)


def _log_indexes(frame: pl.DataFrame) -> pl.Series:
    """Block-global log index of each token Transfer log, in chain order; null for other legs."""
    is_log = (pl.col("asset") != Asset.ETH) & (pl.col("leg") == Leg.DIRECT)
    return frame.select(
        pl.when(is_log).then(is_log.cast(pl.Int64).cum_sum().over("block") - 1)
    ).to_series()


def _traces(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    """trace: the k-th internal leg of its transaction has trace address k; subtraces: how many."""
    internal = pl.col("leg") == Leg.INTERNAL
    if not frame.select(internal.any()).item():  # most worlds: no window over every transaction
        return {"trace": pl.lit(None, pl.Int32), "subtraces": pl.lit(0, pl.Int32)}
    return {
        "trace": pl.when(internal).then(internal.cast(pl.Int32).cum_sum().over("tx_number") - 1),
        "subtraces": internal.cast(pl.Int32).sum().over("tx_number"),
    }
