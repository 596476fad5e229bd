"""Symbols and decimals of the assets an export names: amounts in token units, exact."""

from __future__ import annotations

import duckdb

from tracers.amounts import format_units
from tracers.errors import TracersError
from tracers.store.queries import rows


class MissingDecimalsError(TracersError):
    """An export would show an amount in token units of an asset whose decimals the store lacks."""


class AssetBook:
    """The store's `assets` table, read once: symbol and decimals per (chain, asset)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._known = {(chain, asset): (symbol, decimals)
                       for chain, asset, symbol, decimals in rows(con, "queries/assets")}

    def symbol(self, chain: str, asset: str) -> str:
        return self._known.get((chain, asset), (None, None))[0] or ""

    def decimals(self, chain: str, asset: str) -> int | None:
        return self._known.get((chain, asset), (None, None))[1]

    def units(self, chain: str, asset: str, base_units: int) -> str:
        """Base units -> exact token units; raises when the decimals are unknown."""
        decimals = self.decimals(chain, asset)
        if decimals is None:
            raise MissingDecimalsError(
                f"the store does not know the decimals of asset {asset} on {chain}, so its amounts "
                "cannot be written in token units: add the token (address,symbol,decimals) to the "
                "folder's tokens.csv and import the folder again with `tracers import etl`"
            )
        return format_units(base_units, decimals)
