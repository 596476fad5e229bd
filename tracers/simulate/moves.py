"""A move is one value transfer: the unit every part of the simulator produces.

Columns of a moves frame:
  block      block offset (0 = first block of the world)
  asset      chain.Asset code
  src, dst   address ids: the token transfer's from/to, or the ether sender/receiver
  value      base units (Int128); a spam value too big for Int128 sits in big_value, value 0
  sender     address id of the transaction's from (differs from src for spoofed calls)
  method     chain.Method code of the call
  status     1 = succeeded, 0 = failed (moved nothing)
  gas_price  wei, when the mover fixed it (an ether sweep deducts its own fee); else null
  big_value  decimal string for values above 2**127; else null
  ref        row of the scam ledger, so truth.json can find the move again; null for background
  tx         moves sharing a tx id are the legs of one transaction (a swap, a relayed mixer
             withdrawal), kept together and in order; null: the move is a transaction of its own
  leg        chain.Leg code: DIRECT (ether value or token log), INTERNAL (ether a contract sends,
             a trace), SILENT (bookkeeping without a Transfer log: WETH wrap and unwrap)
  call_to    address id the transaction calls when it is a contract call (pool, mixer, bridge,
             WETH); null: the token contract, or the ether receiver
A mover may only spend what reached it in earlier blocks; order inside a block is left to assembly.
A transaction's DIRECT ether leg, when it has one, is its first leg.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tracers.simulate.chain import Asset, Leg, Method

SCHEMA = pl.Schema(
    {
        "block": pl.Int64,
        "asset": pl.Int8,
        "src": pl.Int32,
        "dst": pl.Int32,
        "value": pl.Int128,
        "sender": pl.Int32,
        "method": pl.Int8,
        "status": pl.Int8,
        "gas_price": pl.Int64,
        "big_value": pl.String,
        "ref": pl.Int32,
        "tx": pl.Int32,
        "leg": pl.Int8,
        "call_to": pl.Int32,
    }
)

Row = tuple[int, int, int, int, int, int, int, int | None, int, int | None]


def empty() -> pl.DataFrame:
    """A moves frame with no rows."""
    return SCHEMA.to_frame()


def moves(
    block: np.ndarray,
    asset: int | np.ndarray,
    src: np.ndarray | int,
    dst: np.ndarray | int,
    value: np.ndarray | pl.Series,
    *,
    scale: int = 1,
    sender: np.ndarray | None = None,
    status: np.ndarray | None = None,
    gas_price: np.ndarray | None = None,
) -> pl.DataFrame:
    """A moves frame from numpy columns; `value * scale` gives base units (scale 10**12: micro-ether).

    `value` may also be an exact Int128 series of base units (then `scale` must stay 1).
    """
    count = len(block)
    assets = np.broadcast_to(np.asarray(asset, dtype=np.int8), (count,))
    src = np.broadcast_to(np.asarray(src, dtype=np.int32), (count,))
    method = np.where(assets == Asset.ETH, Method.NATIVE, Method.TRANSFER).astype(np.int8)
    values = value.cast(pl.Int128) if isinstance(value, pl.Series) else wide(np.asarray(value, np.int64), scale)
    frame = pl.DataFrame(
        {
            "block": np.asarray(block, dtype=np.int64),
            "asset": assets,
            "src": src,
            "dst": np.broadcast_to(np.asarray(dst, dtype=np.int32), (count,)),
            "value": values,
            "sender": src if sender is None else np.asarray(sender, dtype=np.int32),
            "method": method,
            "status": np.ones(count, dtype=np.int8) if status is None else np.asarray(status, dtype=np.int8),
            "gas_price": None if gas_price is None else np.asarray(gas_price, dtype=np.int64),
        }
    )
    return frame.with_columns(
        pl.col("gas_price").cast(pl.Int64),
        big_value=pl.lit(None, pl.String),
        ref=pl.lit(None, pl.Int32),
        tx=pl.lit(None, pl.Int32),
        leg=pl.lit(0, pl.Int8),
        call_to=pl.lit(None, pl.Int32),
    ).select(SCHEMA.names())


def wide(values: np.ndarray, scale: int = 1) -> pl.Series:
    """Exact Int128 base units from int64 granules times `scale`."""
    return pl.select(pl.lit(pl.Series(values)).cast(pl.Int128) * scale).to_series()


def round_up(values: pl.Series, granule: int) -> pl.Series:
    """Int128 values rounded up to a whole number of granules."""
    return pl.select((pl.lit(values) + (granule - 1)) // granule * granule).to_series()


def from_records(rows: list[Row]) -> pl.DataFrame:
    """A moves frame from exact Python rows (block, asset, src, dst, value, sender, method, tx, leg,
    call_to); ref = row."""
    if not rows:
        return empty()
    block, asset, src, dst, value, sender, method, tx, leg, call_to = (list(c) for c in zip(*rows, strict=True))
    return pl.DataFrame(
        {
            "block": pl.Series(block, dtype=pl.Int64),
            "asset": pl.Series(asset, dtype=pl.Int8),
            "src": pl.Series(src, dtype=pl.Int32),
            "dst": pl.Series(dst, dtype=pl.Int32),
            "value": pl.Series(value, dtype=pl.Int128),
            "sender": pl.Series(sender, dtype=pl.Int32),
            "method": pl.Series(method, dtype=pl.Int8),
            "status": pl.Series([1] * len(rows), dtype=pl.Int8),
            "gas_price": pl.Series([None] * len(rows), dtype=pl.Int64),
            "big_value": pl.Series([None] * len(rows), dtype=pl.String),
            "ref": pl.Series(range(len(rows)), dtype=pl.Int32),
            "tx": pl.Series(tx, dtype=pl.Int32),
            "leg": pl.Series(leg, dtype=pl.Int8),
            "call_to": pl.Series(call_to, dtype=pl.Int32),
        }
    )


def countable(frame: pl.DataFrame) -> pl.DataFrame:
    """The moves that count as value transfers (all but SILENT bookkeeping legs)."""
    return frame.filter(pl.col("leg") != Leg.SILENT)


def concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Stack moves frames in the given order."""
    return pl.concat([empty(), *frames], how="vertical")
