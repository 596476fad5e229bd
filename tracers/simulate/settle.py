"""Moves that follow from others, so that the world's books balance.

- merchant_sweeps: the merchant empties what it took each day into its exchange deposit address;
- fund_deficits: people and services (users, the OTC desk, the gas rental) who would spend more
  than they hold first withdraw the shortfall, plus a cushion, from an exchange hot wallet, some
  time before their first spend;
- deposit_sweeps: every exchange deposit address forwards each deposit to the exchange's
  collector hot wallet within a few hours (tokens: the exact amount; ether: less the sweep's own
  fee), or, at a batch-sweeping exchange, once a day in one transfer of everything received.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tracers.simulate import moves
from tracers.simulate.cast import Cast
from tracers.simulate.chain import DAY, GWEI, HOUR, Asset, Timeline

MERCHANT_SWEEP_HOUR = 23
BATCH_SWEEP_HOUR = 2
SWEEP_TIP = GWEI
ETHER_SWEEP_GAS = 21_000
CUSHION = {Asset.USDT: 50 * 10**6, Asset.ETH: 2 * 10**16}
GRANULE = {Asset.USDT: 10**4, Asset.ETH: 10**12}


@dataclass(frozen=True)
class DepositTable:
    """Every exchange deposit address and the exchange it belongs to."""

    ids: np.ndarray
    exchange: np.ndarray

    def frame(self, cast: Cast) -> pl.DataFrame:
        """deposit id, collector hot wallet, batch flag."""
        collectors = np.array([exchange.collector for exchange in cast.exchanges], dtype=np.int32)
        batch = np.array([exchange.batch_sweeps for exchange in cast.exchanges])
        return pl.DataFrame(
            {"dst": self.ids.astype(np.int32), "collector": collectors[self.exchange], "batch": batch[self.exchange]}
        )


def merchant_sweeps(world: pl.DataFrame, cast: Cast, timeline: Timeline) -> pl.DataFrame:
    """Daily sweeps of the merchant's USDT takings into its deposit address."""
    if cast.merchant is None or cast.merchant_deposit is None:  # both or neither
        return moves.empty()
    offset = MERCHANT_SWEEP_HOUR * HOUR
    daily = (
        world.filter((pl.col("dst") == cast.merchant) & (pl.col("asset") == Asset.USDT) & (pl.col("status") == 1))
        .group_by(sweep=_next_boundary(pl.col("block"), offset))
        .agg(pl.col("value").sum())
        .filter(pl.col("sweep") < timeline.n_blocks)
        .sort("sweep")
    )
    return moves.moves(daily["sweep"].to_numpy(), Asset.USDT, cast.merchant, cast.merchant_deposit, daily["value"])


def fund_deficits(
    rng: np.random.Generator, world: pl.DataFrame, accounts: np.ndarray, home: np.ndarray, cast: Cast
) -> pl.DataFrame:
    """Withdrawals that cover each account's largest shortfall, before its first spend.

    `home[i]` is the exchange account `accounts[i]` withdraws from. Money received in a block
    counts only from the next block on (outflows sort before inflows within a block).
    """
    done = world.filter(pl.col("status") == 1, pl.col("asset").is_in([Asset.ETH, Asset.USDT]))
    legs = pl.concat(
        [
            done.select(address=pl.col("src"), asset="asset", block="block", delta=0 - pl.col("value")),
            done.select(address=pl.col("dst"), asset="asset", block="block", delta=pl.col("value")),
        ]
    ).filter(pl.col("address").is_in(pl.Series(accounts, dtype=pl.Int32).implode()))
    short = (
        legs.sort("address", "asset", "block", "delta")
        .with_columns(running=pl.col("delta").cum_sum().over("address", "asset"))
        .group_by("address", "asset")
        .agg(low=pl.col("running").min(), first_spend=pl.col("block").filter(pl.col("delta") < 0).min())
        .filter(pl.col("low") < 0)
        .sort("address", "asset")
    )
    frames = []
    lookup = dict(zip(accounts.tolist(), home.tolist(), strict=True))
    for asset in (Asset.USDT, Asset.ETH):
        part = short.filter(pl.col("asset") == asset)
        if part.is_empty():
            continue
        count = len(part)
        cushion = moves.wide((CUSHION[asset] * rng.lognormal(0.0, 1.0, count)).astype(np.int64))
        amount = moves.round_up(cushion - part["low"], GRANULE[asset])
        first_spend = part["first_spend"].to_numpy()
        block = first_spend - 1 - (rng.random(count) * np.minimum(DAY, first_spend)).astype(np.int64)
        addresses = part["address"].to_numpy()
        exchange = np.array([lookup[int(a)] for a in addresses], dtype=np.int64)
        hot = cast.pick_hot_wallets(rng, exchange)
        frames.append(moves.moves(block, asset, hot, addresses, amount))
    return moves.concat(frames)


def deposit_sweeps(
    rng: np.random.Generator, world: pl.DataFrame, deposits: DepositTable, cast: Cast, timeline: Timeline
) -> pl.DataFrame:
    """Each deposit address forwards what it received to its exchange's collector hot wallet."""
    received = world.filter(
        pl.col("status") == 1, pl.col("asset").is_in([Asset.ETH, Asset.USDT]), pl.col("value") > 0
    ).join(deposits.frame(cast), on="dst", how="inner", maintain_order="left")
    single = received.filter(~pl.col("batch"))
    single = single.with_columns(sweep=pl.col("block") + pl.Series(rng.integers(10, 4 * HOUR, len(single))))
    batched = (
        received.filter(pl.col("batch"))
        .group_by("dst", "asset", "collector", sweep=_next_boundary(pl.col("block"), BATCH_SWEEP_HOUR * HOUR))
        .agg(pl.col("value").sum())
        .sort("sweep", "dst", "asset")
    )
    columns = ["sweep", "asset", "dst", "collector", "value"]
    sweeps = pl.concat([single.select(columns), batched.select(columns)]).filter(pl.col("sweep") < timeline.n_blocks)
    gas_price = pl.Series(timeline.base_fee).gather(sweeps["sweep"]) + SWEEP_TIP
    fee = (gas_price * ETHER_SWEEP_GAS).cast(pl.Int128)
    sweeps = sweeps.with_columns(gas_price=gas_price, fee=pl.when(pl.col("asset") == Asset.ETH).then(fee).otherwise(0))
    sweeps = sweeps.with_columns(value=pl.col("value") - pl.col("fee")).filter(pl.col("value") > 0)
    return moves.moves(
        sweeps["sweep"].to_numpy(),
        sweeps["asset"].to_numpy(),
        sweeps["dst"].to_numpy(),
        sweeps["collector"].to_numpy(),
        sweeps["value"],
        gas_price=sweeps["gas_price"].to_numpy(),
    )


def _next_boundary(block: pl.Expr, offset: int) -> pl.Expr:
    """The first daily block at `offset` strictly after `block`."""
    return ((block - offset).floordiv(DAY) + 1) * DAY + offset
