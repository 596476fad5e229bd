"""Regenerate the built-in starter TagPacks in `tracers/tags/builtin/` from the public data files.

    .venv/bin/python -m tracers.tags.build_builtin [--data ../shared/data] [--out DIR]

Reads the GraphSense TagPacks in `<data>/tagpacks/` and the OFAC lists in `<data>/ofac/` (see
`<data>/README.md`), keeps what a pig-butchering trace needs on Ethereum and Tron, and writes one
TagPack per theme, each opening with a comment that names its source, plus the sources' MIT licences
and a README. Deterministic: the same inputs give the same bytes. Never run at import time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import textwrap
from pathlib import Path

import yaml

from tracers.tags.fields import resolve_chain
from tracers.tags.read import read_tag_file

GRAPHSENSE_REPO = "graphsense/graphsense-tagpacks @29ff93c"
GRAPHSENSE = f"{GRAPHSENSE_REPO} (MIT, see LICENSE-graphsense-tagpacks)"
OFAC_REPO = "0xB10C/ofac-sanctioned-digital-currency-addresses, branch `lists`, 2024-09-27"
OFAC = f"{OFAC_REPO} (MIT, see LICENSE-ofac-addresses)"
OFAC_SDN_URL = (
    "https://home.treasury.gov/policy-issues/financial-sanctions/"
    "specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists"
)
CURRENCY = {"ethereum": "ETH", "tron": "TRX", "bitcoin": "BTC"}
EXCHANGE_CHAINS = ("ethereum", "tron")
# Etherscan names token contracts "Name (SYMBOL)" and labels other exchange contracts "...Token",
# "...Contract": those are not wallets money is paid into, so they stay out of the starter set.
_CONTRACT_LABEL = re.compile(r"\([A-Za-z0-9.$ -]+\)\s*$|\b(token|contract)s?\b", re.IGNORECASE)
ZERO_ADDRESS = "0x" + "0" * 40
OFAC_LISTS = ("ETH", "USDT", "USDC", "TRX", "XBT")  # XBT only for the Tron address listed under it


def main(argv: list[str] | None = None) -> None:
    here = Path(__file__).resolve()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=here.parents[3] / "shared" / "data",
        help="the shared data folder holding tagpacks/ and ofac/",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=here.parent / "builtin",
        help="where to write the starter TagPacks",
    )
    args = parser.parse_args(argv)
    for line in build(args.data, args.out):
        print(line)


def build(data: Path, out: Path) -> list[str]:
    """Write every starter pack, the licences and a README into `out`; a summary line per pack."""
    out.mkdir(parents=True, exist_ok=True)
    packs = {
        "builtin-exchange-wallets.yaml": exchange_wallets(data / "tagpacks"),
        "builtin-etherscan-exchange.yaml": etherscan_exchange(data / "tagpacks"),
        "builtin-ofac-sanctioned.yaml": ofac_sanctioned(data / "ofac"),
        "builtin-usdt-blacklist.yaml": usdt_blacklist(data / "tagpacks"),
        "builtin-tornado-cash.yaml": tornado_cash(data / "tagpacks"),
    }
    summary = []
    for name, (comment, pack) in packs.items():
        (out / name).write_text(_render(comment, pack), encoding="utf-8")
        summary.append(f"{name}: {len(pack['tags'])} tags")
    shutil.copyfile(data / "tagpacks" / "LICENSE", out / "LICENSE-graphsense-tagpacks")
    shutil.copyfile(data / "ofac" / "LICENSE", out / "LICENSE-ofac-addresses")
    (out / "README.md").write_text(_readme(packs), encoding="utf-8")
    return summary


def exchange_wallets(tagpacks: Path) -> tuple[str, dict]:
    """Exchange reserve and hot wallets on Ethereum and Tron, as the exchanges disclosed them."""
    tags, seen, sources = [], set(), []
    for path in sorted(tagpacks.glob("exchange-wallets-*.yaml")):
        names = _confidence_names(path)
        sources.append(path.name)
        for tag in read_tag_file(path).tags:
            key = (tag.chain, tag.address, tag.actor)
            if tag.chain in EXCHANGE_CHAINS and tag.actor and key not in seen:
                seen.add(key)
                tags.append(
                    {
                        "address": tag.address,
                        "currency": CURRENCY[tag.chain],
                        "label": tag.label,
                        "actor": tag.actor,
                        "source": tag.source,
                        "confidence": names[tag.index],
                    }
                )
    comment = [
        "Exchange reserve and hot wallets on Ethereum and Tron, each with the exchange (actor).",
        f"Source: {GRAPHSENSE}, files {', '.join(sources)}.",
        "Kept: tags whose address is on Ethereum or Tron (ETH/TRX, and USDT/USDC listed with an",
        "0x or T address); one tag per chain, address and actor.",
    ]
    pack = {
        "title": "Exchange reserve and hot wallets (Ethereum, Tron)",
        "creator": "tracers, from GraphSense Core Team TagPacks",
        "description": "Wallets exchanges published as their own (proof of reserves, hot wallets)",
        "category": "exchange",
        "is_public": True,
        "tags": tags,
    }
    return "\n".join(comment), pack


def etherscan_exchange(tagpacks: Path) -> tuple[str, dict]:
    """Etherscan's exchange-labelled Ethereum addresses that name the exchange, wallets only."""
    path = tagpacks / "etherscan-wordcloud-exchange.yaml"
    header = _header(path)
    tags = [
        {"address": t.address, "label": t.label, "actor": t.actor}
        for t in read_tag_file(path).tags
        if t.chain == "ethereum" and t.actor and not _CONTRACT_LABEL.search(t.label)
    ]
    comment = [
        "Ethereum addresses Etherscan labels as exchange wallets, with the exchange (actor).",
        f"Source: {GRAPHSENSE}, file {path.name}.",
        "Kept: tags with an actor, minus token and other contracts (labels 'Name (SYMBOL)',",
        "'... Token', '... Contract'): a payment into those is not a deposit at the exchange.",
    ]
    pack = {
        "title": "Etherscan exchange wallets (with exchange)",
        "creator": "tracers, from GraphSense Core Team TagPacks",
        "description": header.get("description"),
        "currency": "ETH",
        "category": "exchange",
        "concepts": ["exchange"],
        "confidence": header["confidence"],
        "source": header["source"],
        "is_public": True,
        "tags": tags,
    }
    return "\n".join(comment), pack


def ofac_sanctioned(ofac: Path) -> tuple[str, dict]:
    """Addresses on the OFAC SDN list for ETH, USDT, USDC and TRX, one tag per chain and address."""
    lists: dict[tuple[str, str], list[str]] = {}
    notes: dict[tuple[str, str], str] = {}
    for code in OFAC_LISTS:
        for written in json.loads((ofac / f"sanctioned_addresses_{code}.json").read_text()):
            chain, address, note = resolve_chain("BTC" if code == "XBT" else code, written)
            if code == "XBT" and chain != "tron":
                continue  # Bitcoin itself is outside the starter set
            if chain not in CURRENCY:
                raise ValueError(
                    f"{written!r} in the OFAC {code} list is on no chain tracers knows"
                )
            lists.setdefault((chain, address), []).append(code)
            if note:
                notes[(chain, address)] = (
                    "OFAC lists it under XBT; it is a checksum-valid Tron address"
                )
    tags = []
    for (chain, address), codes in sorted(lists.items()):
        context = {"ofac_lists": sorted(set(codes)), "list_date": "2024-09-27"}
        if (chain, address) in notes:
            context["note"] = notes[(chain, address)]
        tags.append(
            {
                "address": address,
                "currency": CURRENCY[chain],
                "context": json.dumps(context, sort_keys=True),
            }
        )
    comment = [
        "Digital currency addresses on the US Treasury OFAC SDN list: the ETH, USDT, USDC and TRX",
        "lists, plus the one Tron address OFAC lists under XBT (TUCsTq7..., a checksum-valid",
        "Tron address). USDT addresses in Bitcoin form are Omni USDT and kept on bitcoin.",
        f"Source: {OFAC}.",
        "category and abuse `sanction` (GraphSense concepts / INTERPOL DW-CC abuse taxonomy);",
        "confidence authority_data, GraphSense's own example of which is OFAC.",
        "context holds the OFAC lists an address appears in.",
    ]
    pack = {
        "title": "OFAC SDN sanctioned digital currency addresses (ETH, USDT, USDC, TRX)",
        "creator": "tracers, from 0xB10C/ofac-sanctioned-digital-currency-addresses",
        "description": "Addresses the US Treasury OFAC lists on its SDN list",
        "label": "OFAC SDN list: sanctioned address",
        "category": "sanction",
        "abuse": "sanction",
        "confidence": "authority_data",
        "source": OFAC_SDN_URL,
        "is_public": True,
        "tags": tags,
    }
    return "\n".join(comment), pack


def usdt_blacklist(tagpacks: Path) -> tuple[str, dict]:
    """Ethereum addresses the USDT contract blacklisted, minus the zero address."""
    path = tagpacks / "usdt_blacklist.yaml"
    header = _header(path)
    tags = [
        {"address": t.address, "context": t.context}
        for t in read_tag_file(path).tags
        if t.address != ZERO_ADDRESS
    ]
    comment = [
        "Ethereum addresses blacklisted by the USDT (Tether) contract, read from its",
        "AddedBlackList",
        "events; context names the transaction.",
        f"Source: {GRAPHSENSE}, file {path.name}.",
        "Left out: the zero address 0x000...000. It is on the list, but it is the from-address of",
        "every mint, so a tag on it would mark every token mint as touching a blacklisted address.",
    ]
    return "\n".join(comment), _copy_header(header, tags)


def tornado_cash(tagpacks: Path) -> tuple[str, dict]:
    """Tornado Cash contracts (the mixer OFAC sanctioned on 2022-08-08), as GraphSense tags them."""
    path = tagpacks / "tornado_cash.yaml"
    tags = [{"address": t.address} for t in read_tag_file(path).tags]
    comment = [
        "Tornado Cash mixer contracts on Ethereum (category mixing_service, actor tornado).",
        f"Source: {GRAPHSENSE}, file {path.name}, unchanged but for lowercase addresses.",
    ]
    return "\n".join(comment), _copy_header(_header(path), tags)


def _header(path: Path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {k: v for k, v in document.items() if k != "tags"}


def _copy_header(header: dict, tags: list[dict]) -> dict:
    fields = (
        "title",
        "creator",
        "description",
        "label",
        "currency",
        "category",
        "actor",
        "confidence",
        "source",
        "is_public",
    )
    pack = {k: header[k] for k in fields if k in header}
    return {**pack, "is_public": True, "tags": tags}


def _confidence_names(path: Path) -> list[str]:
    """The confidence level name of each tag of a TagPack (the tag's own, else the header's)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [t.get("confidence", document.get("confidence")) for t in document["tags"]]


def _render(comment: str, pack: dict) -> str:
    lines = textwrap.wrap(" ".join(comment.splitlines()), width=98, break_on_hyphens=False)
    head = "".join(f"# {line}\n" for line in lines)
    head += "# Generated by tracers/tags/build_builtin.py; do not edit by hand, rerun it.\n"
    return head + yaml.safe_dump(pack, sort_keys=False, allow_unicode=True, width=100)


def _readme(packs: dict[str, tuple[str, dict]]) -> str:
    rows = "\n".join(
        f"| `{name}` | {len(pack['tags'])} | {pack['title']} |" for name, (_, pack) in packs.items()
    )
    kept = "\n\n".join(
        f"`{name}`:\n"
        + textwrap.fill(" ".join(comment.splitlines()), width=100, break_on_hyphens=False)
        for name, (comment, _) in packs.items()
    )
    return f"""# Built-in starter tags

TagPacks shipped with tracers (`tracers tags import --builtin`), generated by
`tracers/tags/build_builtin.py` from the public data in `../shared/data` (see its README). Do not
edit them by hand: rerun

    .venv/bin/python -m tracers.tags.build_builtin

| file | tags | what |
|---|---|---|
{rows}

## Sources and licences

- GraphSense TagPacks, {GRAPHSENSE_REPO}: copyright (c) 2022 Iknaio Cryptoasset Analytics GmbH,
  (c) 2018-2022 AIT Austrian Institute of Technology; MIT licence in `LICENSE-graphsense-tagpacks`.
  Used by every file but `builtin-ofac-sanctioned.yaml`.
- OFAC addresses, {OFAC_REPO}: copyright (c) 2021 0xB10C; MIT licence in
  `LICENSE-ofac-addresses`. Used by `builtin-ofac-sanctioned.yaml`. The addresses themselves are
  those of the US Treasury OFAC's SDN list.

## What each file keeps

{kept}

Tags are what their sources state about addresses, not findings: an exchange wallet says where to
send a subpoena, not who paid into it.
"""


if __name__ == "__main__":
    main()
