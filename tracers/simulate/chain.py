"""The chain the world lives on: block clock, base fees, block hashes, assets, call types and legs."""

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
WETH_ADDRESS = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"


class Asset(IntEnum):
    """What a move carries. ETH is native ether; the others are ERC-20 tokens."""

    ETH = 0
    USDT = 1
    FAKE_USDT = 2
    SPAM = 3
    WETH = 4


class Method(IntEnum):
    """The call behind a move: a plain ether send, or a token contract function."""

    NATIVE = 0
    TRANSFER = 1
    TRANSFER_FROM = 2
    MINT = 3
    SWAP = 4  # a DEX pool's swap: one asset in, another out, in one transaction
    WRAP = 5  # WETH deposit(): ether in, WETH minted (no Transfer log)
    UNWRAP = 6  # WETH withdraw(wad): WETH burnt (no Transfer log), ether back as an internal transfer
    MIXER_DEPOSIT = 7  # a mixer's deposit(commitment): one fixed note of ether
    MIXER_WITHDRAW = 8  # a relayer's withdraw(proof, ...): the mixer pays the note out internally
    BRIDGE_DEPOSIT = 9  # a bridge's outbound transfer: tokens locked here, released on another chain


class Leg(IntEnum):
    """How a move shows inside its transaction."""

    DIRECT = 0  # ether: the transaction's value; a token: a Transfer log
    INTERNAL = 1  # ether a contract sends inside the transaction (a trace, traces.csv)
    SILENT = 2  # bookkeeping only: WETH minted on wrap or burnt on unwrap (events other than Transfer)


SELECTORS = {
    Method.TRANSFER: "0xa9059cbb",
    Method.TRANSFER_FROM: "0x23b872dd",
    Method.MINT: "0x40c10f19",
    Method.SWAP: "0x95e3c50b",
    Method.WRAP: "0xd0e30db0",
    Method.UNWRAP: "0x2e1a7d4d",
    Method.MIXER_DEPOSIT: "0xb214faa5",
    Method.MIXER_WITHDRAW: "0x21a0adb6",
    Method.BRIDGE_DEPOSIT: "0xd2ce7d65",
}


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
