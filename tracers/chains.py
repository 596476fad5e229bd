"""Chains and assets tracers knows, and address validation per chain.

Addresses are stored in one canonical form per chain: lowercase hex for EVM chains, base58check
for Tron, as written for Bitcoin (bech32 lowercased). Validation is strict: a mixed-case EVM address
must carry a valid EIP-55 checksum, a Tron address a valid base58check checksum.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import base58
from eth_utils import keccak

from tracers.errors import AddressError

NATIVE = "native"

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_TRON_TX_HASH = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]+$")
_BECH32 = re.compile(r"^(bc1|tb1|bcrt1)[02-9ac-hj-np-z]{8,87}$")


@dataclass(frozen=True)
class Asset:
    """An asset on a chain: the native coin or a token contract."""

    chain: str
    address: str  # NATIVE or the token contract in canonical form
    symbol: str
    decimals: int
    issuer: str | None = None  # who can freeze it (Tether, Circle), if anyone


@dataclass(frozen=True)
class Chain:
    name: str
    family: str  # "evm" | "tron" | "utxo"
    native_symbol: str
    native_decimals: int
    chain_id: int | None = None


CHAINS: dict[str, Chain] = {
    "ethereum": Chain("ethereum", "evm", "ETH", 18, 1),
    "bsc": Chain("bsc", "evm", "BNB", 18, 56),
    "polygon": Chain("polygon", "evm", "POL", 18, 137),
    "arbitrum": Chain("arbitrum", "evm", "ETH", 18, 42161),
    "base": Chain("base", "evm", "ETH", 18, 8453),
    "tron": Chain("tron", "tron", "TRX", 6),
    "bitcoin": Chain("bitcoin", "utxo", "BTC", 8),
}

# Well-known tokens: the money of pig-butchering scams.
KNOWN_TOKENS: tuple[Asset, ...] = (
    Asset("ethereum", "0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", 6, "Tether"),
    Asset("ethereum", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "USDC", 6, "Circle"),
    Asset("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6, "Tether"),
    Asset("tron", "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8", "USDC", 6, "Circle"),
    Asset("bsc", "0x55d398326f99059ff775485246999027b3197955", "USDT", 18, "Tether"),
    Asset("polygon", "0xc2132d05d31c914a87c6611c10748aeb04b58e8f", "USDT", 6, "Tether"),
    Asset("arbitrum", "0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9", "USDT", 6, "Tether"),
)

# Wrapped native tokens (WETH and kin): a wrap or unwrap logs Deposit/Withdrawal, not Transfer, so
# the trace pairs the ether leg with a synthetic token leg (tracers/heuristics/conversion.py).
WRAPPED_NATIVE: dict[str, str] = {
    "ethereum": "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",  # WETH9
    "arbitrum": "0x82af49447d8a07e3bd95bd0d56f35241523fbab1",  # WETH
    "base": "0x4200000000000000000000000000000000000006",  # WETH (predeploy)
    "bsc": "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c",  # WBNB
    "polygon": "0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270",  # WPOL (WMATIC)
}

# GraphSense TagPack `currency`/`network` codes -> tracers chain names.
GRAPHSENSE_NETWORKS: dict[str, str] = {
    "ETH": "ethereum",
    "TRX": "tron",
    "BTC": "bitcoin",
    "BEP20": "bsc",
    "BSC": "bsc",
    "MATIC": "polygon",
    "POLYGON": "polygon",
    "ARB": "arbitrum",
    "BASE": "base",
}
# Token codes whose chain is told by the address format (USDT lives on Ethereum, Tron, Omni...).
GRAPHSENSE_TOKEN_CODES = frozenset({"USDT", "USDC"})


def chain(name: str) -> Chain:
    """The chain called `name`, or an error listing the chains tracers knows."""
    try:
        return CHAINS[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(CHAINS))
        raise AddressError(f"unknown chain {name!r}; use one of: {known}") from None


def native_asset(chain_name: str) -> Asset:
    c = chain(chain_name)
    return Asset(c.name, NATIVE, c.native_symbol, c.native_decimals)


def resolve_asset(chain_name: str, symbol_or_address: str) -> Asset:
    """An asset by symbol (`USDT`, `ETH`) or contract address on a chain.

    Unknown contract addresses are accepted with `decimals=-1` only by callers that look them up
    in the store; here they raise, naming the symbols that are known.
    """
    c = chain(chain_name)
    text = symbol_or_address.strip()
    if text.upper() in (c.native_symbol, NATIVE.upper()):
        return native_asset(c.name)
    for token in KNOWN_TOKENS:
        if token.chain != c.name:
            continue
        if text.upper() == token.symbol:
            return token
        if looks_like_address(c.name, text) and normalize_address(c.name, text) == token.address:
            return token
    known = [c.native_symbol] + [t.symbol for t in KNOWN_TOKENS if t.chain == c.name]
    raise AddressError(
        f"unknown asset {text!r} on {c.name}; use one of {', '.join(known)} "
        "or the contract address of a token imported into the store"
    )


def looks_like_address(chain_name: str, text: str) -> bool:
    try:
        normalize_address(chain_name, text)
    except AddressError:
        return False
    return True


def eip55(address_hex40: str) -> str:
    """EIP-55 mixed-case checksum form of a 40-hex-digit address (without or with 0x)."""
    lower = address_hex40.lower().removeprefix("0x")
    digest = keccak(text=lower).hex()
    return "0x" + "".join(ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower))


def normalize_address(chain_name: str, text: str) -> str:
    """Validate `text` as an address on `chain_name` and return its canonical stored form."""
    c = chain(chain_name)
    raw = text.strip()
    if c.family == "evm":
        return _normalize_evm(raw)
    if c.family == "tron":
        return _normalize_tron(raw)
    return _normalize_bitcoin(raw)


def _normalize_evm(raw: str) -> str:
    if not _HEX_ADDRESS.match(raw):
        raise AddressError(
            f"{raw!r} is not an EVM address: expected 0x followed by 40 hex digits"
        )
    body = raw[2:]
    if body != body.lower() and body != body.upper() and eip55(body) != raw[:2] + body:
        raise AddressError(
            f"{raw!r} fails its EIP-55 checksum (mixed case that does not match): "
            f"check for a typo, or write it all lowercase to skip the check; "
            f"the checksummed form of the lowercase address would be {eip55(body)}"
        )
    return raw.lower()


def tron_hex_to_base58(hex41: str) -> str:
    """Tron address from its hex form (41 + 20 bytes, or 0x + 20 bytes as in EVM logs)."""
    h = hex41.lower().removeprefix("0x")
    if len(h) == 40:
        h = "41" + h
    return base58.b58encode_check(bytes.fromhex(h)).decode()


def _normalize_tron(raw: str) -> str:
    if re.fullmatch(r"(41|0x)[0-9a-fA-F]{40}", raw):
        return tron_hex_to_base58(raw)
    if not (len(raw) == 34 and raw.startswith("T") and _BASE58.match(raw)):
        raise AddressError(
            f"{raw!r} is not a Tron address: expected 34 base58 characters starting with T"
        )
    try:
        payload = base58.b58decode_check(raw)
    except ValueError:
        raise AddressError(
            f"{raw!r} fails its base58check checksum: check for a typo (0/O, I/l are not base58)"
        ) from None
    if len(payload) != 21 or payload[0] != 0x41:
        raise AddressError(f"{raw!r} decodes to no Tron account (expected version byte 0x41)")
    return raw


def _normalize_bitcoin(raw: str) -> str:
    lowered = raw.lower()
    if _BECH32.match(lowered) and (raw == lowered or raw == raw.upper()):
        return lowered
    if _BASE58.match(raw) and 25 <= len(raw) <= 35 and raw[0] in "123mn":
        try:
            payload = base58.b58decode_check(raw)
        except ValueError:
            raise AddressError(f"{raw!r} fails its base58check checksum: check for a typo") from None
        if len(payload) == 21:
            return raw
    raise AddressError(f"{raw!r} is not a Bitcoin address (base58check P2PKH/P2SH or bech32)")


def normalize_tx_hash(chain_name: str, text: str) -> str:
    """Validate a transaction hash and return it lowercase (0x-prefixed on EVM chains)."""
    c = chain(chain_name)
    raw = text.strip()
    if c.family == "evm":
        if not _TX_HASH.match(raw):
            raise AddressError(
                f"{raw!r} is not a transaction hash: expected 0x followed by 64 hex digits"
            )
        return raw.lower()
    if not _TRON_TX_HASH.match(raw):
        raise AddressError(f"{raw!r} is not a transaction id: expected 64 hex digits")
    return raw.lower().removeprefix("0x")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
