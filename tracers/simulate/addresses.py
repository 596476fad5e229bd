"""Every address of the simulated world, held as a small integer id.

Actors and moves carry ids; the 20 bytes behind an id are drawn from the random stream of the
part of the world that creates the address (cast, scam, background), so one part's addresses do
not shift when another part draws more. Id 0 is the zero address, the `from` of token mints.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tracers.simulate.encoding import hex_strings

ZERO = 0


class AddressBook:
    """Append-only table of raw 20-byte addresses, indexed by id."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = [np.zeros((1, 20), dtype=np.uint8)]
        self._size = 1
        self._table: np.ndarray | None = None

    def __len__(self) -> int:
        return self._size

    def new(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Ids of `count` fresh random addresses."""
        raw = np.frombuffer(rng.bytes(20 * count), dtype=np.uint8).reshape(count, 20)
        return self._append(raw)

    def one(self, rng: np.random.Generator) -> int:
        """Id of one fresh random address."""
        return int(self.new(rng, 1)[0])

    def known(self, address: str) -> int:
        """Id of a fixed, well-known address such as a real token contract."""
        raw = np.frombuffer(bytes.fromhex(address.removeprefix("0x")), dtype=np.uint8)
        return int(self._append(raw.reshape(1, 20))[0])

    def lookalike(self, rng: np.random.Generator, target: int) -> int:
        """Id of a fresh address whose first 4 and last 4 hex digits equal the target's."""
        raw = self.raw(target).copy()
        raw[2:18] = np.frombuffer(rng.bytes(16), dtype=np.uint8)
        return int(self._append(raw.reshape(1, 20))[0])

    def raw(self, address: int) -> np.ndarray:
        """The 20 bytes of one address."""
        return self.table()[address]

    def hex(self, address: int) -> str:
        """Lowercase 0x-hex of one address."""
        return "0x" + self.raw(address).tobytes().hex()

    def table(self) -> np.ndarray:
        """All addresses as an (ids, 20) uint8 array."""
        if self._table is None or len(self._table) != self._size:
            self._table = np.concatenate(self._chunks)
            self._chunks = [self._table]
        return self._table

    def hex_column(self) -> pl.Series:
        """Lowercase 0x-hex of every address; position = id."""
        return hex_strings(self.table())

    def _append(self, raw: np.ndarray) -> np.ndarray:
        ids = np.arange(self._size, self._size + len(raw), dtype=np.int32)
        self._chunks.append(raw)
        self._size += len(raw)
        return ids
