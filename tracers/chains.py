"""Chains and assets tracers knows, and address validation per chain.

Addresses are stored in one canonical form per chain: lowercase hex for EVM chains, base58check
for Tron, as written for Bitcoin (bech32 lowercased). Validation is strict: a mixed-case EVM address
must carry a valid EIP-55 checksum, a Tron or Bitcoin base58 address a valid base58check checksum
and version byte, a Bitcoin bech32 address a valid BIP-173 (bech32, witness version 0) or BIP-350
(bech32m, versions 1-16) checksum and witness program. A typo is refused, never stored.
"""

from __future__ import annotations

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
_BECH32 = re.compile(r"^(bc|tb|bcrt)1[02-9ac-hj-np-z]{8,87}$")
# Longer than any address of any chain tracers knows (bech32 stops at 90 characters): such text is
# refused before it is looked at, and shown shortened in the message.
MAX_ADDRESS_LENGTH = 100


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
    block_seconds: float = 12.0  # the chain's block (slot) time: block windows are scaled by it


CHAINS: dict[str, Chain] = {
    "ethereum": Chain("ethereum", "evm", "ETH", 18, 1),
    "bsc": Chain("bsc", "evm", "BNB", 18, 56, block_seconds=3.0),
    "polygon": Chain("polygon", "evm", "POL", 18, 137, block_seconds=2.0),
    "arbitrum": Chain("arbitrum", "evm", "ETH", 18, 42161, block_seconds=0.25),
    "base": Chain("base", "evm", "ETH", 18, 8453, block_seconds=2.0),
    "tron": Chain("tron", "tron", "TRX", 6, block_seconds=3.0),
    "bitcoin": Chain("bitcoin", "utxo", "BTC", 8, block_seconds=600.0),
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
    found = CHAINS.get(name.strip().lower()) if isinstance(name, str) else None
    if found is None:
        known = ", ".join(sorted(CHAINS))
        raise AddressError(f"unknown chain {shorten(name)}; use one of: {known}")
    return found


def shorten(value: object, limit: int = 80) -> str:
    """`repr(value)`, cut to about `limit` characters: hostile input stays readable in a message."""
    shown = repr(value)
    if len(shown) <= limit:
        return shown
    size = len(value) if isinstance(value, str) else len(shown)
    return f"{shown[: limit - 20]}...{shown[-12:]} ({size:,} characters)"


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
    """Validate `text` as an address on `chain_name` and return its canonical stored form.

    Raises AddressError, and nothing else, for any text that is not an address on that chain.
    """
    c = chain(chain_name)
    if not isinstance(text, str):
        raise AddressError(f"{shorten(text)} is not an address: expected text")
    raw = text.strip()
    if len(raw) > MAX_ADDRESS_LENGTH:
        raise AddressError(
            f"{shorten(raw)} is not an address: longer than any {c.name} address; "
            "check the cell or field holds one address"
        )
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
    if _BECH32.match(lowered):
        if raw != lowered and raw != raw.upper():
            raise AddressError(
                f"{raw!r} mixes upper and lower case: a bech32 address is written all in one case"
            )
        problem = _segwit_problem(lowered)
        if problem:
            raise AddressError(f"{raw!r} {problem}: check for a typo")
        if not lowered.startswith("bc1"):
            raise AddressError(_TESTNET.format(raw=raw))
        return lowered
    if _BASE58.match(raw) and 25 <= len(raw) <= 35 and raw[0] in "123mn":
        try:
            payload = base58.b58decode_check(raw)
        except ValueError:
            raise AddressError(f"{raw!r} fails its base58check checksum: check for a typo") from None
        if len(payload) == 21 and payload[0] in _BITCOIN_TESTNET_VERSIONS:
            raise AddressError(_TESTNET.format(raw=raw))
        if len(payload) == 21 and payload[0] in _BITCOIN_VERSIONS:
            return raw
    raise AddressError(
        f"{raw!r} is not a Bitcoin address: expected base58check P2PKH/P2SH (1..., 3...) "
        "or bech32 (bc1...)"
    )


# Version bytes of base58check Bitcoin addresses: P2PKH and P2SH on mainnet, and on testnet.
_BITCOIN_VERSIONS = frozenset({0x00, 0x05})
_BITCOIN_TESTNET_VERSIONS = frozenset({0x6F, 0xC4})
_TESTNET = (
    "{raw!r} is a Bitcoin testnet or regtest address: tracers' bitcoin chain is mainnet "
    "(1..., 3..., bc1...); leave testnet addresses out"
)

# BIP-173 (bech32) and BIP-350 (bech32m), after the BIPs' reference code.
_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONSTANT = 1  # the checksum constant of witness version 0 (BIP-173)
_BECH32M_CONSTANT = 0x2BC830A3  # of witness versions 1 to 16 (BIP-350)


def _bech32_polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _segwit_problem(address: str) -> str | None:
    """Why the lowercase bech32 `address` is no segwit address (BIP-173, BIP-350), or None."""
    if len(address) > 90:
        return "is longer than the 90 characters of a bech32 address"
    hrp, _, rest = address.rpartition("1")
    data = [_BECH32_CHARSET.index(ch) for ch in rest]
    expanded = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    version = data[0]
    wanted = _BECH32_CONSTANT if version == 0 else _BECH32M_CONSTANT
    if _bech32_polymod(expanded + data) != wanted:
        kind = "bech32" if version == 0 else "bech32m"
        return f"fails its {kind} checksum (BIP-{173 if version == 0 else 350})"
    program = _five_to_eight_bits(data[1:-6])
    if version > 16 or program is None or not 2 <= len(program) <= 40:
        return "holds no valid witness program"
    if version == 0 and len(program) not in (20, 32):
        return "holds a version 0 witness program that is neither 20 nor 32 bytes"
    return None


def _five_to_eight_bits(data: list[int]) -> bytes | None:
    """The bytes that 5-bit groups `data` spell, or None when the padding is not zeros."""
    accumulator = bits = 0
    out = bytearray()
    for value in data:
        accumulator = ((accumulator << 5) | value) & 0xFFF
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    if bits >= 5 or (accumulator << (8 - bits)) & 0xFF:
        return None
    return bytes(out)


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

