"""Exact amounts: integers in base units inside, decimal strings only where a person reads them."""

from __future__ import annotations


def format_units(amount: int, decimals: int | None) -> str:
    """Base units -> token units as an exact decimal string (`2500500000`, 6 -> `2500.5`)."""
    if decimals is None or decimals <= 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    digits = str(abs(amount)).rjust(decimals + 1, "0")
    whole, fraction = digits[:-decimals], digits[-decimals:].rstrip("0")
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"
