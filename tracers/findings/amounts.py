"""Exact amounts of one asset, for the findings summary: token units for people, base units kept."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tracers.amounts import format_units
from tracers.findings.assets import AssetBook


@dataclass(frozen=True)
class Amount:
    chain: str
    asset: str  # 'native' or the token contract
    symbol: str
    decimals: int | None  # None: unknown, `units` is then in base units
    base_units: int

    @property
    def units(self) -> str:
        return format_units(self.base_units, self.decimals) if self.decimals is not None else str(self.base_units)

    @property
    def unit_name(self) -> str:
        """What `units` counts: the symbol, or `base units of <asset>` when decimals are unknown."""
        if self.decimals is None:
            return f"base units of {self.symbol or self.asset}"
        return self.symbol or self.asset

    def to_dict(self) -> dict:
        return {"chain": self.chain, "asset": self.asset, "symbol": self.symbol,
                "decimals": self.decimals, "amount": self.units, "base_units": str(self.base_units)}


def amount(book: AssetBook, chain: str, asset: str, base_units: int) -> Amount:
    return Amount(chain, asset, book.symbol(chain, asset), book.decimals(chain, asset), base_units)


def totals(book: AssetBook, parts: Iterable[tuple[str, str, int]]) -> tuple[Amount, ...]:
    """(chain, asset, base units)... -> one exact Amount per (chain, asset), sorted."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for chain, asset, base in parts:
        sums[(chain, asset)] += base
    return tuple(amount(book, chain, asset, base) for (chain, asset), base in sorted(sums.items()))
