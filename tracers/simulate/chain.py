"""The chain the world lives on: block clock, base fees, block hashes, assets and call types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from tracers.simulate.config import SimulationConfig

BLOCK_SECONDS = 12
HOUR = 3600 // BLOCK_SECONDS
DAY = 24 * HOUR
GWEI = 10**9
ETHER = 10**18
USDT_UNIT = 10**6
USDT_ADDRESS = "0xdac17f958d2ee523a2206206994597c13d831ec7"


class Asset(IntEnum):
    """What a move carries. ETH is native ether; the others are ERC-20 tokens."""

    ETH = 0
    USDT = 1
    FAKE_USDT = 2
    SPAM = 3


class Method(IntEnum):
    """The call behind a move: a plain ether send, or a token contract function."""

    NATIVE = 0
    TRANSFER = 1
    TRANSFER_FROM = 2
    MINT = 3


SELECTORS = {Method.TRANSFER: "0xa9059cbb", Method.TRANSFER_FROM: "0x23b872dd", Method.MINT: "0x40c10f19"}


@dataclass(frozen=True)
class Timeline:
    """Block offsets 0..n_blocks-1 map to numbers first_block.. and a block every 12 s.

    Everything inside the simulator speaks in block offsets; numbers and unix times appear only
    when files are written. `base_fee` (wei) follows a daily cycle; `hashes[i + 1]` is the hash of
    offset i and `hashes[0]` the parent of the first block.
    """

    first_block: int
    genesis: int
    n_blocks: int
    base_fee: np.ndarray
    hashes: np.ndarray

    def timestamp(self, offset: int) -> int:
        """Unix seconds of a block offset."""
        return self.genesis + BLOCK_SECONDS * offset


def build_timeline(config: SimulationConfig, rng: np.random.Generator) -> Timeline:
    """The block clock of a world `config.days` long."""
    n_blocks = config.days * DAY
    days = np.arange(n_blocks) / DAY
    wave = 0.35 * np.sin(2 * np.pi * (days - 0.3)) + 0.15 * np.sin(2 * np.pi * days / 7)
    gwei = 14.0 * np.exp(wave + 0.08 * rng.standard_normal(n_blocks))
    base_fee = (gwei * GWEI).astype(np.int64)
    hashes = np.frombuffer(rng.bytes(32 * (n_blocks + 1)), dtype=np.uint8).reshape(n_blocks + 1, 32)
    return Timeline(config.first_block, config.genesis_timestamp, n_blocks, base_fee, hashes)
