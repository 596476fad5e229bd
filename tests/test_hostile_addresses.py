"""Hostile addresses: every checksum is verified, any text is either an address or an AddressError.

Bitcoin bech32/bech32m (BIP-173, BIP-350), base58check (Bitcoin P2PKH/P2SH, Tron) and EIP-55
mixed case are checked; a one-character typo in a checksummed address is refused, never stored.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tracers.chains import CHAINS, MAX_ADDRESS_LENGTH, eip55, normalize_address
from tracers.errors import AddressError
from tracers.tags import builtin_tag_files, read_tag_file

# Real addresses, as published: the BIP-173/BIP-350 test vectors, OFAC's sanctioned Bitcoin
# addresses, the genesis coinbase, Binance's Tron and Ethereum hot wallets, Tether's contracts.
BITCOIN = (
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # BIP-173 v0, 20 bytes, upper case
    "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",  # v0, 32 bytes
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",  # v1, 40 bytes
    "BC1SW50QGDZ25J",  # BIP-350 v16, 2 bytes
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",  # v2, 16 bytes
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",  # taproot
    "bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw",  # OFAC
    "bc1q2jys00x2rgdkm3xnewuucqacytu0a7echupu8y",  # OFAC
    "bc1qm34lsc65zpw79lxes69zkqmk6ee3ewf0j77s3h",  # Binance
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # genesis
    "16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H",  # OFAC
    "31nadacWrgPeAQxKRMabhn3fPhnhi3hjKa",  # OFAC, P2SH
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # BIP-13 example P2SH
)
TRON = (
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",  # USDT
    "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9",  # Binance
    "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq",  # OFAC
)
EVM = (
    "0x28C6c06298d514Db089934071355E5743bf21d60",  # Binance 14
    "0xdAC17F958D2ee523a2206206994597C13D831ec7",  # USDT
    "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",  # USDC
)

# Invalid by BIP-173 / BIP-350 (their test vectors), and the reason tracers gives.
BAD_BECH32 = {
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh": "bech32 checksum",  # v0 with a bech32m checksum
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4": "not a Bitcoin address",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R": "no valid witness program",
    "bc1pw5dgrnzv": "no valid witness program",  # 1-byte program
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P": "neither 20 nor 32 bytes",  # v0, 16 bytes
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5": "bech32 checksum",  # last character changed
    "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3298": "bech32m checksum",
    "bc1QW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4": "mixes upper and lower case",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7": "testnet",
    "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn": "testnet",
}

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
HEX = "0123456789abcdefABCDEF"


def chain_of(address: str) -> str:
    if address.startswith("0x"):
        return "ethereum"
    return "tron" if address.startswith("T") else "bitcoin"


@pytest.mark.parametrize("address", BITCOIN + TRON + EVM)
def test_real_addresses_are_accepted_and_their_canonical_form_is_a_fixed_point(address):
    chain = chain_of(address)
    canonical = normalize_address(chain, address)

    assert normalize_address(chain, canonical) == canonical
    assert canonical.lower() == address.lower() or canonical == address


@pytest.mark.parametrize(("address", "reason"), BAD_BECH32.items())
def test_bip173_and_bip350_invalid_addresses_are_refused_with_the_reason(address, reason):
    with pytest.raises(AddressError, match=reason) as caught:
        normalize_address("bitcoin", address)
    assert address in str(caught.value)


def test_a_base58check_typo_is_refused_on_bitcoin_and_tron():
    with pytest.raises(AddressError, match="base58check checksum: check for a typo"):
        normalize_address("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")
    with pytest.raises(AddressError, match="base58check checksum: check for a typo"):
        normalize_address("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u")


def test_an_eip55_typo_is_refused_and_names_the_checksummed_form():
    typo = "0x28C6c06298d514Db089934071355E5743bf21D60"  # the d before 60 in upper case
    with pytest.raises(AddressError, match="fails its EIP-55 checksum") as caught:
        normalize_address("ethereum", typo)
    assert "0x28C6c06298d514Db089934071355E5743bf21d60" in str(caught.value)


def test_single_case_evm_addresses_carry_no_checksum_and_are_accepted():
    lower = "0x28c6c06298d514db089934071355e5743bf21d60"
    assert normalize_address("ethereum", lower) == lower
    assert normalize_address("bsc", "0x" + lower[2:].upper()) == lower


def test_text_longer_than_any_address_is_refused_and_shown_shortened():
    with pytest.raises(AddressError) as caught:
        normalize_address("bitcoin", "bc1q" + "q" * 100_000)
    message = str(caught.value)
    assert "longer than any bitcoin address" in message
    assert len(message) < 300
    assert len("bc1q" + "q" * 100_000) > MAX_ADDRESS_LENGTH


def test_an_unknown_chain_is_an_address_error_listing_the_known():
    with pytest.raises(AddressError, match="unknown chain 'etherum'; use one of: arbitrum, base"):
        normalize_address("etherum", "0x28c6c06298d514db089934071355e5743bf21d60")


def test_every_builtin_address_is_canonical_and_passes_its_checksum():
    for path in builtin_tag_files():
        for tag in read_tag_file(path).tags:
            assert normalize_address(tag.chain, tag.address) == tag.address, (path.name, tag)


# --- properties ----------------------------------------------------------------------------------

ADDRESS_LIKE = st.one_of(
    st.text(max_size=120),
    st.from_regex(r"\A0x[0-9a-fA-F]{38,42}\Z"),
    st.from_regex(r"\AT[1-9A-HJ-NP-Za-km-z]{31,35}\Z"),
    st.from_regex(r"\A[13mn2][1-9A-HJ-NP-Za-km-z]{24,34}\Z"),
    st.from_regex(r"\A(bc|BC|tb|bcrt)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,90}\Z"),
    st.from_regex(r"\A(41|0x)[0-9a-fA-F]{40}\Z"),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=st.sampled_from(sorted(CHAINS)) | st.text(max_size=12), text=ADDRESS_LIKE)
def test_any_text_is_a_canonical_address_or_an_address_error(chain, text):
    try:
        canonical = normalize_address(chain, text)
    except AddressError as exc:
        assert str(exc)  # a message, never another exception
        return
    assert normalize_address(chain, canonical) == canonical  # canonical is a fixed point
    assert canonical == canonical.strip()


def mutations(alphabet: str, checksummed: tuple[str, ...], skip: int):
    """(address, mutated) with one character past the first `skip` changed for another of
    `alphabet`."""

    @st.composite
    def draw(draw_from):
        address = draw_from(st.sampled_from(checksummed))
        at = draw_from(st.integers(min_value=skip, max_value=len(address) - 1))
        new = draw_from(st.sampled_from(alphabet))
        assume(new.lower() != address[at].lower())
        return address, address[:at] + new + address[at + 1 :]

    return draw()


# chain, the alphabet a typo is drawn from, checksummed addresses, characters left alone (prefix)
TYPOS = {
    "bitcoin-base58check": ("bitcoin", BASE58, tuple(a for a in BITCOIN if a[0] in "13"), 1),
    "tron-base58check": ("tron", BASE58, TRON, 1),
    # BIP-173: bech32 detects any error in up to 4 characters, so this holds for every typo
    "bitcoin-bech32": ("bitcoin", BECH32, tuple(a.lower() for a in BITCOIN if a[:2] in "bcBC"), 3),
}


@pytest.mark.parametrize("kind", TYPOS)
@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.data())
def test_a_one_character_typo_in_a_checksummed_address_is_refused(kind, data):
    chain, alphabet, addresses, skip = TYPOS[kind]
    _, mutated = data.draw(mutations(alphabet, addresses, skip))
    with pytest.raises(AddressError):
        normalize_address(chain, mutated)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(pair=mutations(HEX, EVM, 2))
def test_a_one_character_typo_in_an_eip55_address_is_refused(pair):
    """EIP-55 guards a mixed-case address only (all one case carries no checksum), and with
    about 15 letters a typo slips through once in some 30,000: the examples are fixed."""
    _, mutated = pair
    body = mutated[2:]
    assume(body != body.lower() and body != body.upper())
    with pytest.raises(AddressError, match="EIP-55"):
        normalize_address("ethereum", mutated)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(min_size=20, max_size=20))
def test_eip55_forms_round_trip_to_the_lowercase_address(body):
    lower = "0x" + body.hex()
    assert normalize_address("ethereum", eip55(lower)) == lower
    assert normalize_address("polygon", lower.upper().replace("0X", "0x")) == lower
