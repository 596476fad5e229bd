"""Validate the fields of one tag and decide its chain: shared by the TagPack and CSV readers.

Pure functions. A field parser returns the stored value or raises ValueError with a message that
says what to write instead; `build_tag` collects every problem of a tag rather than the first.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from typing import Required, TypedDict, cast

from tracers.chains import (
    CHAINS,
    GRAPHSENSE_NETWORKS,
    GRAPHSENSE_TOKEN_CODES,
    normalize_address,
    shorten,
)
from tracers.errors import AddressError
from tracers.tags.confidence import confidence_score
from tracers.tags.model import Tag
from tracers.tags.taxonomy import category_text

BROKEN = object()  # an inherited header value that did not validate (reported once, at the header)

_TAXONOMY_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_EVM_FORM = re.compile(r"^0x[0-9a-fA-F]{40}$")
_TRON_FORM = re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$")
_BITCOIN_FORM = re.compile(
    r"^([13][1-9A-HJ-NP-Za-km-z]{24,34}|(bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87})$"
)


def text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {_shown(value)}: put the value in quotes")
    return str(value).strip() or None


def taxonomy_id(value: object) -> str | None:
    raw = text(value)
    if raw is None:
        return None
    lowered = raw.lower()
    if not _TAXONOMY_ID.match(lowered):
        raise ValueError(
            f"{shorten(raw)} is not a taxonomy id: use the GraphSense / DW-CC id, lowercase "
            "letters, digits and _ (e.g. exchange, mixing_service, sanction)"
        )
    return lowered


def category(value: object) -> str | None:
    """Any text: read against the taxonomy once the tag is whole (`taxonomy.read_categories`)."""
    raw = text(value)
    return None if raw is None else category_text(raw)


def concept_list(value: object) -> tuple[str, ...]:
    """A list of taxonomy ids; a string is read as ids separated by `;` (the CSV form)."""
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(
            f"expected a list of concept ids, got {_shown(value)}: write [exchange, ...]"
        )
    concepts = (taxonomy_id(item) for item in items)
    return tuple(c for c in concepts if c is not None)


def boolean(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value.strip().lower()]
    raise ValueError(f"expected true or false, got {_shown(value)}")


def context_text(value: object) -> str | None:
    """Free text; a mapping or list is kept as JSON (GraphSense contexts usually are JSON)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text(value)


def chain_code(value: object) -> str | None:
    """A `chain` value: a chain tracers knows, its GraphSense code (ETH, TRX, BEP20, ...) or a
    token code (USDT, USDC: the address form tells the chain). Anything else is refused, so a
    typo such as `etherum` cannot file tags under a chain no trace reads."""
    raw = text(value)
    if raw is None or is_known_code(raw):
        return raw
    codes = sorted({*GRAPHSENSE_NETWORKS, *GRAPHSENSE_TOKEN_CODES})
    raise ValueError(
        f"unknown chain {shorten(raw)}{_did_you_mean(raw)}: use one of "
        f"{', '.join(sorted(CHAINS))}, or a GraphSense code ({', '.join(codes)}); for a ledger "
        "tracers does not follow (XRP, LTC, ...) give the GraphSense currency in a `currency` "
        "field instead"
    )


def currency_code(value: object) -> str | None:
    """A GraphSense `currency` or `network`: any code (GraphSense lists ledgers tracers does not
    follow, kept as written), except one that looks like a misspelt chain tracers knows."""
    raw = text(value)
    if raw is None or is_known_code(raw) or not _did_you_mean(raw):
        return raw
    raise ValueError(
        f"unknown currency {shorten(raw)}{_did_you_mean(raw)}: use one of "
        f"{', '.join(sorted(CHAINS))} or a GraphSense code (ETH, TRX, BTC, BEP20, USDT, ...)"
    )


def is_known_code(code: str) -> bool:
    """Whether `code` names a chain tracers knows, directly or by a GraphSense code."""
    return (
        code.lower() in CHAINS
        or code.upper() in GRAPHSENSE_NETWORKS
        or code.upper() in GRAPHSENSE_TOKEN_CODES
    )


def _did_you_mean(code: str) -> str:
    """`, did you mean ethereum?` when `code` is close to a chain name tracers knows, else ''."""
    near = difflib.get_close_matches(code.lower(), list(CHAINS), n=1, cutoff=0.75)
    return f" (did you mean {near[0]}?)" if near else ""


def confidence(value: object) -> int | None:
    if isinstance(value, str) and not value.strip():
        return None
    return confidence_score(value)


_BOOLEAN_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}

# The fields a tag stores besides chain and address, with their parsers; the header may set each.
FIELD_PARSERS: dict[str, Callable[[object], object]] = {
    "label": text,
    "category": category,
    "actor": text,
    "confidence": confidence,
    "source": text,
    "abuse": taxonomy_id,
    "is_public": boolean,
    "concepts": concept_list,
    "context": context_text,
}


class TagFields(TypedDict, total=False):
    """A tag's fields besides chain and address, as FIELD_PARSERS return them."""

    label: Required[str]
    category: str | None
    actor: str | None
    confidence: int | None
    source: str | None
    abuse: str | None
    is_public: bool | None
    concepts: tuple[str, ...]
    context: str | None


# Where a tag says its chain, most specific first: CSV `chain`, TagPack `network`, then `currency`.
CHAIN_FIELD_PARSERS: dict[str, Callable[[object], object]] = {
    "chain": chain_code,
    "network": currency_code,
    "currency": currency_code,
}
CHAIN_FIELDS = tuple(CHAIN_FIELD_PARSERS)
ALL_FIELD_PARSERS = {**FIELD_PARSERS, **CHAIN_FIELD_PARSERS}


def parse_defaults(
    header: Mapping[str, object], where: str, problems: list[str]
) -> dict[str, object]:
    """Header values every tag inherits, parsed once; a bad one is reported here, marked BROKEN."""
    values: dict[str, object] = {}
    for field, parse in ALL_FIELD_PARSERS.items():
        if header.get(field) is None:
            continue
        try:
            values[field] = parse(header[field])
        except ValueError as exc:
            problems.append(f"{where}, field {field!r}: {exc}")
            values[field] = BROKEN
    return values


def build_tag(
    raw: Mapping[str, object],
    defaults: Mapping[str, object],
    *,
    index: int,
    line: int | None,
    where: str,
    problems: list[str],
    warnings: list[str],
    infer_chain: bool = False,
) -> Tag | None:
    """The tag `raw` describes, header `defaults` filled in; None after adding its problems.

    `infer_chain` lets a tag without chain/network/currency take the chain its address form tells
    (the CSV rule); a TagPack tag must name its currency.
    """
    before = len(problems)
    broken = False
    chain = stored = ""

    def report(field: str, message: str) -> None:
        problems.append(f"{where}, field {field!r}: {message}")

    values: dict[str, object] = {}
    for field, parse in ALL_FIELD_PARSERS.items():
        if raw.get(field) is not None:
            try:
                values[field] = parse(raw[field])
            except ValueError as exc:
                report(field, str(exc))
        elif field in defaults:
            broken |= defaults[field] is BROKEN
            values[field] = defaults[field]

    if values.get("label") is None and not broken:
        report("label", "missing: give the tag a label, or the header one label for all its tags")
    address = raw.get("address")
    code = next((v for f in CHAIN_FIELDS if isinstance(v := values.get(f), str)), None)  # not None nor BROKEN
    if address is None or (isinstance(address, str) and not address.strip()):
        report("address", "missing: every tag needs an address")
    elif not isinstance(address, str):
        report("address", f"expected text, got {_shown(address)}: put the address in quotes")
    elif code is None and not infer_chain:
        if not broken:
            report(
                "currency",
                "missing: give the tag a currency or network (ETH, TRX, BTC, USDT, ...), "
                "or the header one for all its tags",
            )
    else:
        try:
            chain, stored, note = resolve_chain(code, address)
        except ValueError as exc:
            report("address", str(exc))
        else:
            if note:
                warnings.append(f"{where}, field 'address': {note}")
                values["context"] = _with_note(values.get("context"), note)

    if broken or len(problems) > before:
        return None
    # each value is what its field's parser returned (BROKEN and a missing label returned above)
    fields = cast(TagFields, {field: values[field] for field in FIELD_PARSERS if field in values})
    return Tag(index=index, line=line, chain=chain, address=stored, **fields)


def resolve_chain(code: str | None, address: str) -> tuple[str, str, str | None]:
    """(chain, stored address, note) for an address listed under a currency/network/chain `code`.

    - a GraphSense network code (ETH, TRX, BEP20, ...) or a tracers chain name: that chain, the
      address validated and normalised;
    - USDT / USDC, or no code at all: the chain the address form tells (0x... ethereum, T... tron,
      1.../3.../bc1... bitcoin, i.e. Omni for USDT); a token code whose address has none of these
      forms (Solana, Algorand, ... USDT) is kept like an unknown code;
    - any other code (XRP, BCH, ...): chain = the code lowercased, the address as written.

    The note is set when the declared chain rejects the address but the address is a
    checksum-valid Tron address (version byte 0x41, a form no other chain tracers knows uses): the
    tag is kept on tron and the note says so. Every other mismatch raises ValueError.
    """
    raw = address.strip()
    if code is None:
        chain = chain_from_form(raw)
        if chain is None:
            raise ValueError(
                f"cannot tell the chain of {shorten(raw)} from its form (0x... is ethereum, "
                "T... tron, 1.../3.../bc1... bitcoin): add a chain column (ethereum, tron, bitcoin, ...) or, "
                "for a ledger tracers does not follow, a currency column (XRP, LTC, ...)"
            )
    elif code.upper() in GRAPHSENSE_TOKEN_CODES:
        chain = chain_from_form(raw)
        if chain is None:
            return code.lower(), _other_ledger_address(raw), None
    elif code.upper() in GRAPHSENSE_NETWORKS:
        chain = GRAPHSENSE_NETWORKS[code.upper()]
    elif code.lower() in CHAINS:
        chain = code.lower()
    else:
        return code.lower(), _other_ledger_address(raw), None
    try:
        return chain, normalize_address(chain, raw), None
    except AddressError as exc:
        if chain != "tron" and _is_tron(raw):
            note = f"{raw!r} is listed under {code!r} but is a checksum-valid Tron address"
            return "tron", raw, f"{note}; kept on tron"
        raise ValueError(str(exc)) from None


# Well above the longest address of any ledger GraphSense lists (with the notes some public packs
# append, e.g. Liquid addresses followed by "(AMP ID: ...)"): longer text is no address.
MAX_OTHER_LEDGER_ADDRESS = 256


def _other_ledger_address(raw: str) -> str:
    """An address on a ledger tracers does not follow: kept as written unless too long for one."""
    if len(raw) > MAX_OTHER_LEDGER_ADDRESS:
        raise ValueError(
            f"{shorten(raw)} is not an address: longer than {MAX_OTHER_LEDGER_ADDRESS} "
            "characters; check the field holds one address"
        )
    return raw


def chain_from_form(address: str) -> str | None:
    """The chain an address's form alone tells, or None. The checksum is checked afterwards."""
    if _EVM_FORM.match(address):
        return "ethereum"
    if _TRON_FORM.match(address):
        return "tron"
    if _BITCOIN_FORM.match(address):
        return "bitcoin"
    return None


def _is_tron(address: str) -> bool:
    try:
        normalize_address("tron", address)
    except AddressError:
        return False
    return bool(_TRON_FORM.match(address))


def _with_note(context: object, note: str) -> str:
    return f"{context}\ntracers: {note}" if context else f"tracers: {note}"


def _shown(value: object) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", list: "a list",
             dict: "a mapping", str: "the text"}  # fmt: skip
    return f"{kinds.get(type(value), type(value).__name__)} {shorten(value)}"
