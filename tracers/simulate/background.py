"""Vectorised background traffic: the crowd the scam hides in.

- users pay each other in USDT and ether (a few ether sends fail and move nothing);
- users deposit to their own exchange deposit addresses and withdraw from hot wallets;
- a busy merchant takes small USDT payments from hundreds of users;
- an untagged OTC desk buys USDT from and sells USDT to many unrelated users;
- a gas rental service sends small ether to thousands of fresh wallets (and some users);
- users put fixed ether denominations into a tagged mixer, which pays them out to fresh
  addresses later;
- a spam token "airdrops" (mints) amounts above 2**255 to users and wallets.
Amounts are drawn per flow (log-normal, in the granules people use: cents, micro-ether). Moves
that follow from these (sweeps, the withdrawals that fund people before they spend) are made in
settle.py, so nobody spends money they do not have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tracers.simulate import moves
from tracers.simulate.addresses import ZERO, AddressBook
from tracers.simulate.cast import Cast
from tracers.simulate.chain import DAY, ETHER, HOUR, Asset, Method, Timeline
from tracers.simulate.config import SimulationConfig

CENT = 10**4
MICRO_ETHER = 10**12
MIXER_DENOMINATIONS = np.array([100_000, 1_000_000, 10_000_000])  # 0.1, 1, 10 ether in micro-ether


@dataclass(frozen=True)
class Plan:
    """How many moves of each background flow to draw."""

    user_usdt: int = 0
    user_eth: int = 0
    deposit_usdt: int = 0
    deposit_eth: int = 0
    merchant: int = 0
    otc_buys: int = 0
    otc_sells: int = 0
    rental: int = 0
    mixer: int = 0
    spam: int = 0
    withdrawals: int = 0


# Share of the background's rows, and rows each drawn move brings (a deposit brings its sweep, a
# mixer deposit its withdrawal).
_SHARES = {
    "user_usdt": (0.30, 1),
    "user_eth": (0.08, 1),
    "deposit_usdt": (0.20, 2),
    "deposit_eth": (0.06, 2),
    "merchant": (0.10, 1),
    "otc_buys": (0.04, 1),
    "otc_sells": (0.04, 1),
    "rental": (0.05, 1),
    "mixer": (0.02, 2),
    "withdrawals": (0.09, 1),
}


def plan(config: SimulationConfig, cast: Cast, room: int) -> Plan:
    """Split `room` rows between the flows; the caller tops up with withdrawals to the target."""
    shares = {name: share for name, (share, _) in _SHARES.items()}
    switched_off = {
        "merchant": cast.merchant is None,
        "otc_buys": cast.otc is None,
        "otc_sells": cast.otc is None,
        "rental": cast.rental is None,
        "mixer": cast.mixer is None,
    }
    for name, off in switched_off.items():
        if off:
            shares["user_usdt"] += shares.pop(name)
    room = max(room, 0)
    spam = int(room * config.spam_share)
    scale = (room - spam) / sum(shares.values())
    counts = {name: int(scale * share / _SHARES[name][1]) for name, share in shares.items()}
    return Plan(spam=spam, **counts)


def generate(
    config: SimulationConfig, rng: np.random.Generator, book: AddressBook, cast: Cast, timeline: Timeline, plan: Plan
) -> pl.DataFrame:
    """Every planned background move, flow after flow."""
    end = timeline.n_blocks
    rental_pool = book.new(rng, max(1, plan.rental * 4 // 5)) if plan.rental else np.zeros(0, dtype=np.int32)
    frames = [
        user_payments(rng, cast, plan.user_usdt, Asset.USDT, end, config.failed_share),
        user_payments(rng, cast, plan.user_eth, Asset.ETH, end, config.failed_share),
        deposits(rng, cast, plan.deposit_usdt, Asset.USDT, end),
        deposits(rng, cast, plan.deposit_eth, Asset.ETH, end),
        merchant_sales(rng, cast, plan.merchant, end),
        otc_trades(rng, cast, plan.otc_buys, plan.otc_sells, end),
        gas_rental(rng, cast, rental_pool, plan.rental, end),
        mixing(rng, book, cast, plan.mixer, end),
        spam(rng, cast, rental_pool, plan.spam, end),
        withdrawals(rng, cast, plan.withdrawals, end),
    ]
    return moves.concat(frames)


def user_payments(
    rng: np.random.Generator, cast: Cast, count: int, asset: Asset, end: int, failed_share: float
) -> pl.DataFrame:
    """Users paying users; a share of ether sends fail."""
    src = _user_index(rng, cast, count)
    dst = _user_index(rng, cast, count)
    dst = np.where(dst == src, (dst + 1) % len(cast.users), dst)
    status = None
    if asset == Asset.ETH:
        failed = rng.random(count) < failed_share
        if count and failed_share > 0 and not failed.any():
            failed[0] = True
        status = np.where(failed, 0, 1)
    granules, scale = _amount(rng, asset, count, 120, 0.04)
    block = _blocks(rng, count, end)
    return moves.moves(block, asset, cast.users[src], cast.users[dst], granules, scale=scale, status=status)


def deposits(rng: np.random.Generator, cast: Cast, count: int, asset: Asset, end: int) -> pl.DataFrame:
    """Users sending to their own exchange deposit addresses."""
    index = _user_index(rng, cast, count)
    second = cast.user_deposits[index, 1]
    use_second = (second >= 0) & (rng.random(count) < 0.3)
    dst = np.where(use_second, second, cast.user_deposits[index, 0])
    granules, scale = _amount(rng, asset, count, 800, 0.3)
    return moves.moves(_blocks(rng, count, end), asset, cast.users[index], dst, granules, scale=scale)


def merchant_sales(rng: np.random.Generator, cast: Cast, count: int, end: int) -> pl.DataFrame:
    """Small USDT payments from many users to the merchant."""
    if cast.merchant is None or not count:
        return moves.empty()
    value = _lognormal_granules(rng, count, 35 * 100, 0.8)
    return moves.moves(_blocks(rng, count, end), Asset.USDT, _users(rng, cast, count), cast.merchant, value, scale=CENT)


def otc_trades(rng: np.random.Generator, cast: Cast, buys: int, sells: int, end: int) -> pl.DataFrame:
    """Users selling USDT to the OTC desk (buys) and buying from it (sells), in whole dollars."""
    if cast.otc is None:
        return moves.empty()
    bought = _lognormal_granules(rng, buys, 3000, 0.9) * 100
    sold = _lognormal_granules(rng, sells, 3000, 0.9) * 100
    return moves.concat(
        [
            moves.moves(_blocks(rng, buys, end), Asset.USDT, _users(rng, cast, buys), cast.otc, bought, scale=CENT),
            moves.moves(_blocks(rng, sells, end), Asset.USDT, cast.otc, _users(rng, cast, sells), sold, scale=CENT),
        ]
    )


def gas_rental(rng: np.random.Generator, cast: Cast, pool: np.ndarray, count: int, end: int) -> pl.DataFrame:
    """Small ether top-ups from the rental service to its many customers (a tenth are users)."""
    if cast.rental is None or not count:
        return moves.empty()
    dst = np.where(rng.random(count) < 0.1, _users(rng, cast, count), pool[rng.integers(0, len(pool), count)])
    value = rng.integers(100, 400, count) * 10  # 0.001 to 0.004 ether in micro-ether
    return moves.moves(_blocks(rng, count, end), Asset.ETH, cast.rental, dst, value, scale=MICRO_ETHER)


def mixing(rng: np.random.Generator, book: AddressBook, cast: Cast, count: int, end: int) -> pl.DataFrame:
    """Users deposit fixed denominations into the mixer; it pays the same out later to fresh addresses."""
    if cast.mixer is None or not count:
        return moves.empty()
    block = _blocks(rng, count, end)
    value = MIXER_DENOMINATIONS[rng.choice(3, size=count, p=[0.6, 0.3, 0.1])]
    out_block = block + rng.integers(HOUR, 5 * DAY, count)
    paid = out_block < end
    receivers = book.new(rng, int(paid.sum()))
    return moves.concat(
        [
            moves.moves(block, Asset.ETH, _users(rng, cast, count), cast.mixer, value, scale=MICRO_ETHER),
            moves.moves(out_block[paid], Asset.ETH, cast.mixer, receivers, value[paid], scale=MICRO_ETHER),
        ]
    )


def spam(rng: np.random.Generator, cast: Cast, pool: np.ndarray, count: int, end: int) -> pl.DataFrame:
    """Spam-token mints above 2**255 to users and wallets (the airdrop bot sends the transaction)."""
    if not count:
        return moves.empty()
    receivers = np.concatenate([cast.users, pool])
    dst = receivers[rng.integers(0, len(receivers), count)]
    raw = rng.bytes(32 * count)
    big = [str(2**255 + int.from_bytes(raw[32 * i : 32 * i + 32]) % 2**255) for i in range(count)]
    frame = moves.moves(_blocks(rng, count, end), Asset.SPAM, ZERO, dst, np.zeros(count, dtype=np.int64))
    return frame.with_columns(
        sender=pl.lit(cast.spammer, pl.Int32),
        method=pl.lit(int(Method.MINT), pl.Int8),
        big_value=pl.Series(big, dtype=pl.String),
    )


def withdrawals(rng: np.random.Generator, cast: Cast, count: int, end: int) -> pl.DataFrame:
    """Users withdrawing USDT (70 %) or ether from a hot wallet of their home exchange."""
    eth = int(rng.binomial(count, 0.3)) if count else 0
    frames = []
    for asset, n, granules, scale in (
        (Asset.USDT, count - eth, _lognormal_granules(rng, count - eth, 600 * 100, 1.1), CENT),
        (Asset.ETH, eth, _lognormal_granules(rng, eth, 200_000, 1.0), MICRO_ETHER),
    ):
        index = _user_index(rng, cast, n)
        hot = cast.pick_hot_wallets(rng, cast.user_exchange[index])
        frames.append(moves.moves(_blocks(rng, n, end), asset, hot, cast.users[index], granules, scale=scale))
    return moves.concat(frames)


def _amount(
    rng: np.random.Generator, asset: Asset, count: int, usdt_median: float, eth_median: float
) -> tuple[np.ndarray, int]:
    """(granules, base units per granule): cents of USDT or micro-ether."""
    if asset == Asset.USDT:
        return _lognormal_granules(rng, count, usdt_median * 100, 1.3), CENT
    return _lognormal_granules(rng, count, eth_median * ETHER / MICRO_ETHER, 1.2), MICRO_ETHER


def _lognormal_granules(rng: np.random.Generator, count: int, median: float, sigma: float) -> np.ndarray:
    """Whole granules (cents, micro-ether...), log-normal around a median, at least one."""
    return np.maximum(1, np.round(median * rng.lognormal(0.0, sigma, count))).astype(np.int64)


def _weights(cast: Cast) -> np.ndarray:
    return cast.user_weight / cast.user_weight.sum()


def _user_index(rng: np.random.Generator, cast: Cast, count: int) -> np.ndarray:
    return rng.choice(len(cast.users), size=count, p=_weights(cast))


def _users(rng: np.random.Generator, cast: Cast, count: int) -> np.ndarray:
    return cast.users[_user_index(rng, cast, count)]


def _blocks(rng: np.random.Generator, count: int, end: int) -> np.ndarray:
    return rng.integers(1, end, count)
