"""An untagged DEX pool trading USDT against ether (swap_then_peel, and mixer_deposits' way to ether).

The pool is a contract a liquidity provider fills once, then a crowd of unrelated people trades
with it both ways, so it is a busy address. A swap is one transaction to the pool: USDT in as a
token transfer and ether out as an internal transfer (a trace), or the other way round (ether as
the call's value, USDT out as a token transfer). On seeds drawn `via_weth` the pool holds WETH
instead: it sends WETH tokens, and whoever wants ether unwraps them later (a call to the WETH
contract: WETH burnt without a Transfer log, ether back as an internal transfer); people who sell
ether wrap it first. The price is a fixed whole number of USDT per ether, applied in exact
integers: ether = usdt * 10**12 // usdt_per_eth, usdt = ether * usdt_per_eth // 10**12.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracers.simulate.addresses import ZERO
from tracers.simulate.cast import Token
from tracers.simulate.chain import DAY, ETHER, HOUR, WETH_ADDRESS, Asset, Leg, Method
from tracers.simulate.scene import Scene

WEI_PER_MICRO_USDT = 10**12  # 10**18 wei per ether / 10**6 base units per USDT
LIQUIDITY_ETHER = (30_000, 60_000)  # the pool never runs dry for a case's chain
WETH_SUPPLY = 2_900_000 * ETHER


def usdt_to_wei(usdt: int, usdt_per_eth: int) -> int:
    """What the pool pays in wei for `usdt` base units."""
    return usdt * WEI_PER_MICRO_USDT // usdt_per_eth


def wei_to_usdt(wei: int, usdt_per_eth: int) -> int:
    """What the pool pays in USDT base units for `wei`."""
    return wei * usdt_per_eth // WEI_PER_MICRO_USDT


@dataclass
class Swap:
    """A swap of the case's USDT into ether (or WETH, unwrapped later) and where it sits on chain."""

    hop: int
    usdt: int
    out_asset: Asset  # ETH or WETH
    out: int
    usdt_ref: int
    out_ref: int
    unwrap_ref: int | None = None  # the internal ether transfer of the unwrap (WETH only)


@dataclass
class Pool:
    """The pool, its price and the case's swaps through it."""

    address: int
    provider: int
    usdt_per_eth: int
    weth: int | None  # the WETH contract when the pool holds WETH
    owner: str  # the confounder whose stream plays the crowd and that plants its decoys
    swaps: list[Swap] = field(default_factory=list)

    @property
    def out_asset(self) -> Asset:
        return Asset.ETH if self.weth is None else Asset.WETH

    def token(self) -> Token | None:
        """WETH as tokens.csv lists it, when the pool uses it."""
        if self.weth is None:
            return None
        return Token(Asset.WETH, self.weth, "WETH", "Wrapped Ether", 18, WETH_SUPPLY)


def open_pool(scene: Scene, owner: str, usdt_per_eth: int, via_weth: bool, crowd: int) -> Pool:
    """A pool filled by its provider on the first day, and `crowd` unrelated swaps over the world
    (`scene` draws from the owner confounder's stream)."""
    book, rng = scene.book, scene.rng
    weth = book.known(WETH_ADDRESS) if via_weth else None
    pool = Pool(book.one(rng), book.one(rng), usdt_per_eth, weth, owner)
    ether = scene.blocks(*LIQUIDITY_ETHER) * ETHER
    usdt = ether // WEI_PER_MICRO_USDT * usdt_per_eth
    funded = scene.blocks(2 * HOUR, 10 * HOUR)
    exchange = scene.exchange_for_people()
    scene.withdraw(funded, exchange, pool.provider, Asset.ETH, ether)
    scene.withdraw(funded, exchange, pool.provider, Asset.USDT, usdt)
    scene.schedule.at(funded + scene.blocks(HOUR, 2 * HOUR), _add_liquidity, scene, pool, ether, usdt)
    scene.confounding.decoy(owner, pool.address, pool.provider)
    for _ in range(crowd):
        _plan_crowd_swap(scene, pool)
    return pool


def swap_usdt(scene: Scene, block: int, pool: Pool, who: int, usdt: int) -> tuple[int, int, int]:
    """`who` swaps `usdt` for ether (or WETH) in one call to the pool; returns (what came out, the
    USDT leg's ref, the out leg's ref)."""
    out = usdt_to_wei(usdt, pool.usdt_per_eth)
    leg = Leg.INTERNAL if pool.weth is None else Leg.DIRECT
    usdt_ref, out_ref = scene.ledger.call(
        block, who, pool.address, Method.SWAP,
        [(Asset.USDT, who, pool.address, usdt, Leg.DIRECT), (pool.out_asset, pool.address, who, out, leg)],
    )
    return out, usdt_ref, out_ref


def unwrap(scene: Scene, block: int, pool: Pool, who: int, wad: int) -> int:
    """`who` turns WETH back into ether; returns the ref of the internal ether transfer."""
    assert pool.weth is not None  # only a WETH pool's swaps are unwrapped
    return scene.ledger.call(
        block, who, pool.weth, Method.UNWRAP,
        [(Asset.WETH, who, ZERO, wad, Leg.SILENT), (Asset.ETH, pool.weth, who, wad, Leg.INTERNAL)],
    )[1]


def _wrap(block: int, scene: Scene, pool: Pool, who: int, wei: int) -> None:
    assert pool.weth is not None  # ether is wrapped for a WETH pool only
    scene.ledger.call(
        block, who, pool.weth, Method.WRAP,
        [(Asset.ETH, who, pool.weth, wei, Leg.DIRECT), (Asset.WETH, ZERO, who, wei, Leg.SILENT)],
    )


def _add_liquidity(block: int, scene: Scene, pool: Pool, ether: int, usdt: int) -> None:
    if pool.weth is None:
        scene.ledger.move(block, Asset.ETH, pool.provider, pool.address, ether)
    else:
        _wrap(block, scene, pool, pool.provider, ether)
        scene.schedule.at(block + 1, _move, scene, Asset.WETH, pool.provider, pool.address, ether)
    scene.ledger.move(block, Asset.USDT, pool.provider, pool.address, usdt)


def _move(block: int, scene: Scene, asset: Asset, src: int, dst: int, amount: int) -> None:
    scene.ledger.move(block, asset, src, dst, amount)


def _plan_crowd_swap(scene: Scene, pool: Pool) -> None:
    """One unrelated person buys or sells ether at the pool, with money withdrawn from an exchange
    first; with WETH, some sellers wrap first and some buyers unwrap later."""
    who = scene.book.one(scene.rng)
    block = scene.blocks(DAY + 2 * HOUR, scene.timeline.n_blocks - 2 * HOUR)
    funded = block - scene.blocks(HOUR, DAY)
    exchange = scene.exchange_for_people()
    if scene.chance(0.5):  # sells USDT for ether
        usdt = scene.usdt(int(scene.rng.integers(50 * 100, 20_000 * 100 + 1)))
        scene.withdraw(funded, exchange, who, Asset.USDT, usdt)
        unwrap_at = block + scene.blocks(10, DAY) if pool.weth is not None and scene.chance(0.4) else None
        scene.schedule.at(block, _crowd_sells_usdt, scene, pool, who, usdt, unwrap_at)
    else:  # sells ether for USDT
        wei = int(scene.rng.integers(20, 8_000)) * (ETHER // 1000)
        scene.withdraw(funded, exchange, who, Asset.ETH, wei)
        if pool.weth is not None:
            scene.schedule.at(block - scene.blocks(1, 50), _wrap, scene, pool, who, wei)
        scene.schedule.at(block, _crowd_sells_ether, scene, pool, who, wei)
    scene.confounding.decoy(pool.owner, who)


def _crowd_sells_usdt(block: int, scene: Scene, pool: Pool, who: int, usdt: int, unwrap_at: int | None) -> None:
    out, _, _ = swap_usdt(scene, block, pool, who, usdt)
    if unwrap_at is not None and unwrap_at < scene.timeline.n_blocks - HOUR:
        scene.schedule.at(unwrap_at, _crowd_unwraps, scene, pool, who, out)


def _crowd_unwraps(block: int, scene: Scene, pool: Pool, who: int, wad: int) -> None:
    unwrap(scene, block, pool, who, wad)


def _crowd_sells_ether(block: int, scene: Scene, pool: Pool, who: int, wei: int) -> None:
    usdt = wei_to_usdt(wei, pool.usdt_per_eth)
    first = (Asset.ETH, who, pool.address, wei, Leg.DIRECT) if pool.weth is None else (
        Asset.WETH, who, pool.address, wei, Leg.DIRECT)
    scene.ledger.call(block, who, pool.address, Method.SWAP, [first, (Asset.USDT, pool.address, who, usdt, Leg.DIRECT)])
