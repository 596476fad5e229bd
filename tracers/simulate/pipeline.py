"""simulate(): build a world stage by stage and write it to a folder.

Stages, each with its own random stream so that one stage drawing more never shifts another:
timeline -> cast -> scam (hand-built, with the confounders switched on, each on a stream of its
own derived from the "confounders" stream's number) -> background (vectorised) -> settle (sweeps, funding,
top-up to the target size) -> assemble (transactions) -> write (CSV files) -> reports and truth.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from tracers.simulate import background, moves, settle
from tracers.simulate.addresses import AddressBook
from tracers.simulate.assemble import assemble
from tracers.simulate.cast import Cast, Token, build_cast
from tracers.simulate.chain import Asset, Timeline, build_timeline
from tracers.simulate.config import SimulationConfig
from tracers.simulate.confounders import draw_confounding
from tracers.simulate.mixer import TAG as MIXER_TAG
from tracers.simulate.reports import COLUMNS, build_reports
from tracers.simulate.scam import ScamWorld, build_scam
from tracers.simulate.settle import DepositTable
from tracers.simulate.truth import build_truth, write_truth
from tracers.simulate.writer import Tag, write_chain, write_tags, write_tokens

STREAMS = ("timeline", "cast", "scam", "background", "settle", "top_up", "assemble", "reports", "confounders")
FILES = (
    "blocks.csv",
    "transactions.csv",
    "receipts.csv",
    "token_transfers.csv",
    "tokens.csv",
    "tags.csv",
    "reports.csv",
    "truth.json",
)
OPTIONAL_FILES = ("traces.csv",)  # written when a contract moved ether internally

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationSummary:
    """What simulate() wrote."""

    out_dir: Path
    blocks: int
    transactions: int
    token_transfers: int
    native_transfers: int  # ether transactions with a value and internal ether transfers
    failed_transactions: int
    victims: int
    reports: int
    paths: tuple[Path, ...]

    @property
    def transfers(self) -> int:
        """Token transfers plus ether transfers, top-level with a value (failed ones included) or
        internal."""
        return self.token_transfers + self.native_transfers


def simulate(out_dir: Path, config: SimulationConfig, progress: Progress | None = None) -> SimulationSummary:
    """Write a synthetic pig-butchering world into `out_dir` (created if missing).

    The files appear only once all are written; the same config gives byte-identical files.
    """
    tell = progress or _silent
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / ".simulate-partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        summary = _build(staging, config, tell)
        written = [name for name in FILES + OPTIONAL_FILES if (staging / name).exists()]
        for name in OPTIONAL_FILES:
            (out_dir / name).unlink(missing_ok=True)  # an earlier world's traces are not this one's
        for name in written:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return replace(summary, out_dir=out_dir, paths=tuple(out_dir / name for name in written))


def _build(staging: Path, config: SimulationConfig, tell: Progress) -> SimulationSummary:
    streams = {name: np.random.default_rng([config.seed, number]) for number, name in enumerate(STREAMS)}
    book = AddressBook()
    timeline = build_timeline(config, streams["timeline"])
    cast = build_cast(config, streams["cast"], book)
    confounding = draw_confounding(config, STREAMS.index("confounders"))
    scam = build_scam(config, streams["scam"], book, cast, timeline, confounding)
    tell("scam", 1, 1)
    mule_ids, mule_exchanges = scam.mule_deposits()
    deposits = DepositTable(
        np.concatenate([cast.deposit_ids, mule_ids]), np.concatenate([cast.deposit_exchange, mule_exchanges])
    )
    world = _populate(config, streams, book, cast, timeline, scam, deposits, tell)
    chain = assemble(streams["assemble"], world, timeline)
    del world
    tell("assemble", 1, 1)
    extra_tokens, extra_tags = _exit_contracts(book, scam)
    counts = write_chain(staging, chain, book, cast, timeline, tell, extra_tokens)
    write_tokens(staging / "tokens.csv", book, cast, timeline, extra_tokens)
    write_tags(staging / "tags.csv", book, cast, extra_tags)
    refs = chain.refs()
    by_ref = dict(zip(refs["ref"].to_list(), refs["tx_hash"].to_list(), strict=True))
    exists = _hash_lookup(chain.hashes)
    reports = build_reports(streams["reports"], scam.victims, by_ref.__getitem__, book, timeline, exists)
    pl.DataFrame([r.row() for r in reports], schema=list(COLUMNS), orient="row").write_csv(staging / "reports.csv")
    write_truth(staging / "truth.json", build_truth(config, book, cast, timeline, scam, refs, deposits, reports))
    tell("truth", 1, 1)
    frame = chain.frame
    return SimulationSummary(
        out_dir=staging,
        blocks=counts["blocks"],
        transactions=counts["transactions"],
        token_transfers=counts["token_transfers"],
        native_transfers=frame.filter(pl.col("asset") == Asset.ETH, pl.col("value") > 0).height,
        failed_transactions=chain.transactions().filter(pl.col("status") == 0).height,
        victims=len(scam.victims),
        reports=len(reports),
        paths=(),
    )


def _populate(
    config: SimulationConfig,
    streams: dict[str, np.random.Generator],
    book: AddressBook,
    cast: Cast,
    timeline: Timeline,
    scam: ScamWorld,
    deposits: DepositTable,
    tell: Progress,
) -> pl.DataFrame:
    """Every move of the world: the scam, the background, what follows from them, and a top-up of
    withdrawals up to `config.transfers`."""
    mules = pl.Series(deposits.ids[len(cast.deposit_ids) :], dtype=pl.Int32)
    mule_sweeps = scam.moves.filter(pl.col("dst").is_in(mules.implode())).height
    follow_ups = 2 * (config.users + 2) + 2 * (config.days + 1) + mule_sweeps  # funding, merchant sweeps
    plan = background.plan(config, cast, config.transfers - scam.moves.height - follow_ups)
    world = moves.concat([scam.moves, background.generate(config, streams["background"], book, cast, timeline, plan)])
    tell("background", 1, 1)
    world = moves.concat([world, settle.merchant_sweeps(world, cast, timeline)])
    accounts, home = _self_funded(config, cast, streams["settle"])
    world = moves.concat([world, settle.fund_deficits(streams["settle"], world, accounts, home, cast)])
    world = moves.concat([world, settle.deposit_sweeps(streams["settle"], world, deposits, cast, timeline)])
    missing = max(0, config.transfers - moves.countable(world).height)
    world = moves.concat([world, background.withdrawals(streams["top_up"], cast, missing, timeline.n_blocks)])
    tell("settle", 1, 1)
    return world


def _exit_contracts(book: AddressBook, scam: ScamWorld) -> tuple[tuple[Token, ...], tuple[Tag, ...]]:
    """WETH when the pool uses it; the tags of the mixer (when tagged) and the bridge."""
    exits = scam.exits
    if exits is None:
        return (), ()
    weth = exits.pool.token() if exits.pool is not None else None
    tags = []
    if exits.mixer is not None and exits.mixer.tagged:
        tags.append((book.hex(exits.mixer.address), *MIXER_TAG))
    if exits.bridge is not None:
        tags.append(exits.bridge.tag(book.hex(exits.bridge.address)))
    return ((weth,) if weth else ()), tuple(tags)


def _self_funded(config: SimulationConfig, cast: Cast, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Accounts that withdraw from an exchange when short, and the exchange each uses."""
    services = [s for s in (cast.otc, cast.rental) if s is not None]
    accounts = np.concatenate([cast.users, np.array(services, dtype=np.int32)])
    service_home = rng.choice(config.exchanges, size=len(services), p=cast.exchange_weights())
    return accounts, np.concatenate([cast.user_exchange, service_home])


def _hash_lookup(hashes: np.ndarray) -> Callable[[str], bool]:
    def exists(tx_hash: str) -> bool:
        raw = np.frombuffer(bytes.fromhex(tx_hash[2:]), dtype=np.uint8)
        return bool((hashes == raw).all(axis=1).any())

    return exists


def _silent(stage: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""
