"""Vectorised hex encoding and human-readable amounts."""

from __future__ import annotations

import numpy as np
import polars as pl

_NIBBLES = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_strings(raw: np.ndarray, prefix: str = "0x") -> pl.Series:
    """One lowercase hex string per row of a 2-d uint8 array (fixed width, leading zeros kept)."""
    rows, width = raw.shape
    head = len(prefix)
    chars = np.empty((rows, head + 2 * width), dtype=np.uint8)
    chars[:, :head] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars[:, head::2] = _NIBBLES[raw >> 4]
    chars[:, head + 1 :: 2] = _NIBBLES[raw & 15]
    if rows == 0:
        return pl.Series([], dtype=pl.String)
    return pl.Series(chars.view(f"S{chars.shape[1]}").ravel()).cast(pl.String)


def uint64_hex(values: np.ndarray) -> pl.Series:
    """16 hex digits (no prefix) per non-negative integer below 2**64."""
    raw = np.ascontiguousarray(values.astype(">u8")).view(np.uint8).reshape(-1, 8)
    return hex_strings(raw, prefix="")


