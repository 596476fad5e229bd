"""Tag categories: GraphSense / INTERPOL DW-CC taxonomy ids, and common spellings read as them.

A category is read in three steps, once per tag after header values are inherited:

- case and spacing are evened out silently (`Exchange` is `exchange`);
- a common spelling is read as its taxonomy id (`mixer` as `mixing_service`, `cross-chain bridge`
  as `defi_bridge`), and so is a known id written with spaces or hyphens (`money laundering`);
  the file's reader is told, once per spelling, with the number of tags;
- anything else outside the known taxonomy is kept as written, with a warning that lists the
  known ids: a tag is never refused for its category.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from tracers.chains import shorten
from tracers.tags.model import Tag

# Every concept id of GraphSense's concepts taxonomy (derived from INTERPOL DW-CC), which is what
# GraphSense validates a TagPack's `category`, `abuse` and `concepts` against:
# graphsense/graphsense-tagpack-tool @a14a159 (2025-09-04), src/tagpack/db/concepts.yaml.
GRAPHSENSE_CONCEPTS = frozenset({
    "abuse", "account_hack", "atm", "behaviour", "child_sexual_abuse", "coinjoin", "cold_wallet",
    "collectible", "concept", "counterfeit", "dark_web", "data_breach", "defi", "defi_bridge",
    "defi_custody", "defi_dao", "defi_derivative", "defi_dex", "defi_dex_pair", "defi_lending",
    "defi_staking", "defi_token", "donation", "drugs", "entity", "escrow_wallet", "exchange",
    "exploit", "extortion", "extremism", "faucet", "filesharing", "financial_crime",
    "forum_mention", "gambling", "gray_usage", "hacking", "hosting", "hot_wallet",
    "human_trafficking", "ico_wallet", "index", "investment_fraud", "item", "malware", "market",
    "mention", "messaging_service", "miner", "mining_service", "mixing", "mixing_service",
    "money_laundering", "murder", "nameservice", "organization", "payment_card_fraud",
    "payment_processor", "perpetrator", "phishing", "ponzi_scheme", "pyramid_scheme",
    "ransomware", "sanction", "scam", "search_engine", "service", "service_hack", "sextortion",
    "sexual_abuse", "shop", "social_engineering", "source", "terrorism", "terrorism_financing",
    "torture", "unknown", "user", "victim", "violence", "vpn", "wallet_service", "warm_wallet",
    "weapons", "website_mention", "white_usage",
})  # fmt: skip
# Outside GraphSense's concepts but in use: `black_list`, an older GraphSense category (the public
# graphsense-tagpacks usdt_blacklist.yaml), and `deposit_wallet`, an exchange's deposit address.
# Neither GraphSense's concepts nor INTERPOL's DW-CC entity taxonomy
# (INTERPOL-Innovation-Centre/DW-VA-Taxonomy, assets/data/entities.csv) has a deposit address: both
# stop at `exchange`, which is what tracers' own TagPack export writes, the role in its context.
LEGACY_CATEGORIES = frozenset({"black_list", "deposit_wallet"})
# tracers' own: OTC desks and brokers, a service the rules stop at (tracers/heuristics/tagged.py).
TRACERS_CATEGORIES = frozenset({"otc"})
KNOWN_CATEGORIES = GRAPHSENSE_CONCEPTS | LEGACY_CATEGORIES | TRACERS_CATEGORIES

# Common spellings -> taxonomy id; keys lowercase, hyphens and runs of spaces as one space. They
# win over the taxonomy: `mixing` is also GraphSense's behaviour concept, but a category names
# what an address is, and an address tagged `mixing` is a mixer.
SPELLINGS: dict[str, str] = {
    "mixer": "mixing_service",
    "mixing": "mixing_service",
    "tumbler": "mixing_service",
    "mixing service": "mixing_service",
    "bridge": "defi_bridge",
    "cross chain bridge": "defi_bridge",
    "dex": "defi_dex",
    "amm": "defi_dex",
    "swap": "defi_dex",
    "cex": "exchange",
    "exchange wallet": "exchange",
    "hot wallet": "exchange",
    "otc desk": "otc",
}

_SPACES = re.compile(r"\s+")
_SPACES_OR_HYPHENS = re.compile(r"[\s-]+")


def category_text(written: str) -> str:
    """The category as stored before it is read against the taxonomy: lowercase, single spaces."""
    return _SPACES.sub(" ", written.strip()).lower()


def read_category(written: str) -> tuple[str, str]:
    """(category, how): how is `known`, `mapped` (a spelling of a known id) or `unknown`."""
    text = category_text(written)
    key = _SPACES_OR_HYPHENS.sub(" ", text)
    if key in SPELLINGS:
        return SPELLINGS[key], "mapped"
    if text in KNOWN_CATEGORIES:
        return text, "known"
    as_id = key.replace(" ", "_")
    if as_id in KNOWN_CATEGORIES:
        return as_id, "mapped"
    return text, "unknown"


def read_categories(tags: Iterable[Tag], name: str) -> tuple[list[Tag], list[str]]:
    """The tags with their categories read as taxonomy ids, and a message per mapped spelling and
    one for all unknown categories; `name` (the file) prefixes every message."""
    out: list[Tag] = []
    mapped: Counter[tuple[str, str]] = Counter()
    unknown: Counter[str] = Counter()
    for tag in tags:
        if tag.category is None:
            out.append(tag)
            continue
        category, how = read_category(tag.category)
        if how == "mapped":
            mapped[(tag.category, category)] += 1
        elif how == "unknown":
            unknown[category] += 1
        out.append(replace(tag, category=category) if category != tag.category else tag)
    messages = [
        f"{name}: category {shorten(written)} read as {category} ({_tags(count)})"
        for (written, category), count in mapped.items()
    ]
    if unknown:
        listed = ", ".join(f"{shorten(c)} ({_tags(n)})" for c, n in unknown.items())
        what = "category" if len(unknown) == 1 else "categories"
        messages.append(
            f"{name}: {what} {listed} not in the GraphSense / INTERPOL DW-CC taxonomy, kept as "
            f"written; the known categories are {', '.join(sorted(KNOWN_CATEGORIES))} (and the "
            f"spellings {', '.join(SPELLINGS)})"
        )
    return out, messages


def _tags(count: int) -> str:
    return f"{count} tag" if count == 1 else f"{count} tags"
