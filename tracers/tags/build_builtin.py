"""Regenerate the built-in starter TagPacks in `tracers/tags/builtin/` from the public data files.

    .venv/bin/python -m tracers.tags.build_builtin --data tests/resources/tag-sources [--out DIR]

`--data DIR` holds two folders, each with its source's `LICENSE`:
- `tagpacks/`: GraphSense TagPacks (graphsense/graphsense-tagpacks);
- `ofac/`: `sanctioned_addresses_{ETH,USDT,USDC,TRX,XBT}.json`
  (0xB10C/ofac-sanctioned-digital-currency-addresses).
The repository vendors both, at the versions named below, in `tests/resources/tag-sources/`.

Keeps what a pig-butchering trace needs on Ethereum and Tron and writes one TagPack per theme, each
opening with a comment that names its source, plus the sources' MIT licences and a README. The
bridge pack comes from `BRIDGES` below, each address copied from its project's own deployment
record. Deterministic: the same inputs give the same bytes. Never run at import time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import textwrap
from pathlib import Path

import yaml

from tracers.chains import normalize_address
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

# The canonical bridges out of Ethereum for ETH and USDT, each with the one chain it bridges to:
# (destination chain, its EIP-155 chain id, name, actor, source, contracts). The source is the
# project's own deployment record at the commit read; each contract is (address, checksummed as the
# source writes it, so build() checks its EIP-55 checksum; contract name; what it does).
BRIDGES = (
    (
        "arbitrum", 42161, "Arbitrum One", "arbitrum",
        "https://github.com/OffchainLabs/arbitrum-sdk/blob/7948889f97bdbb01ef0ba03a98507027ff5586fa"
        "/packages/sdk/src/lib/dataEntities/networks.ts",
        (
            ("0x72Ce9c846789fdB6fC1f34aC4AD25Dd9ef7031ef", "L1GatewayRouter",
             "token deposits start here; it routes each token to its gateway"),
            ("0xa3A7B6F88361F48403514059F1F16C8E78d60EeC", "L1ERC20Gateway",
             "holds the standard ERC-20 tokens (USDT among them) deposited to Arbitrum"),
            ("0xcEe284F754E854890e311e3280b767F80797180d", "L1CustomGateway",
             "holds tokens with a custom Arbitrum counterpart"),
            ("0xd92023E9d9911199a6711321D1277285e6d4e2db", "L1WethGateway",
             "takes WETH deposits, unwraps them and sends the ether on"),
            ("0x4Dbd4fc535Ac27206064B68FfCf827b0A60BAB3f", "Inbox",
             "the delayed inbox: ether deposits (depositEth) start here"),
            ("0x8315177aB297bA92A06054cE80a67Ed4DBd7ed3a", "Bridge",
             "holds the ether deposited to Arbitrum"),
        ),
    ),
    (
        "optimism", 10, "OP Mainnet", "optimism",
        "https://github.com/ethereum-optimism/superchain-registry/blob/"
        "8336d2aedd19b87a57b01ae36ba4afef8ea377d0/superchain/configs/mainnet/op.toml",
        (
            ("0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1", "L1StandardBridgeProxy",
             "the standard bridge: holds deposited ERC-20 tokens, passes ether to the portal"),
            ("0xbEb5Fc579115071764c7423A4f12eDde41f106Ed", "OptimismPortalProxy",
             "holds the ether deposited to OP Mainnet"),
        ),
    ),
    (
        "base", 8453, "Base", "base",
        "https://github.com/ethereum-optimism/superchain-registry/blob/"
        "5b055be4d294ce43814a44c8839d89b2436dc8aa/superchain/configs/mainnet/base.toml",
        (
            ("0x3154Cf16ccdb4C6d922629664174b904d80F2C35", "L1StandardBridgeProxy",
             "the standard bridge: holds deposited ERC-20 tokens, passes ether to the portal"),
            ("0x49048044D57e1C92A77f79988d21Fa8fAF74E97e", "OptimismPortalProxy",
             "holds the ether deposited to Base"),
        ),
    ),
    (
        "polygon", 137, "Polygon PoS", "polygon",
        "https://github.com/maticnetwork/static/blob/5580d14e51f685e40329248ce6dd53eeb4c3c3b5"
        "/network/mainnet/v1/index.json",
        (
            ("0xA0c68C638235ee32657e8f720a23ceC1bFc77C77", "RootChainManagerProxy",
             "deposits start here; ether sent to it is passed to the ether predicate"),
            ("0x40ec5B33f54e0E8A33A975908C5BA1c14e5BbbDf", "ERC20PredicateProxy",
             "holds the ERC-20 tokens (USDT among them) deposited to Polygon PoS"),
            ("0x8484Ef722627bf18ca5Ae6BcF031c23E6e922B30", "EtherPredicateProxy",
             "holds the ether deposited to Polygon PoS"),
        ),
    ),
    (
        "zksync_era", 324, "zkSync Era", "zksync",
        "https://github.com/matter-labs/zksync-era/blob/3e29e4a08d2e746c3eac0098f5e9bb3a5b3945aa"
        "/etc/env/ecosystems/mainnet.yaml",
        (
            # The source writes this one in lowercase; the checksummed form is EIP-55 of it.
            ("0x32400084C286CF3E17e7B677ea9583e60a000324", "DiamondProxy",
             "zkSync Era's own contract on Ethereum: ether deposits (requestL2Transaction)"),
            ("0x57891966931Eb4Bb6FB81430E6cE0A03AAbDe063", "L1ERC20Bridge",
             "the legacy ERC-20 bridge to zkSync Era"),
        ),
    ),
)  # fmt: skip
BRIDGE_SOURCES = "the projects' own deployment records, pinned to a commit (each tag's `source`)"


def main(argv: list[str] | None = None) -> None:
    here = Path(__file__).resolve()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        help="the folder holding tagpacks/ and ofac/ (the repository's: tests/resources/tag-sources)",
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
        "builtin-bridges.yaml": bridges(),
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


def bridges() -> tuple[str, dict]:
    """The canonical bridges' contracts on Ethereum (`BRIDGES`), each with its destination chain.

    Raises ValueError when an address is not checksummed or fails its EIP-55 checksum.
    """
    tags = []
    for destination, chain_id, name, actor, source, contracts in BRIDGES:
        for written, contract, role in contracts:
            if written[2:] in (written[2:].lower(), written[2:].upper()):
                raise ValueError(f"{written}: write the checksummed form the source gives")
            context = {
                "bridge": name,
                "contract": contract,
                "destination_chain": destination,
                "destination_chain_id": chain_id,
                "note": role,
            }
            tags.append(
                {
                    "address": normalize_address("ethereum", written),
                    "label": f"{name} bridge: {contract}",
                    "actor": actor,
                    "source": source,
                    "context": json.dumps(context, sort_keys=True),
                }
            )
    names = ", ".join(name for _, _, name, _, _, _ in BRIDGES)
    comment = [
        f"Canonical bridges out of Ethereum for ETH and USDT ({names}): the contracts a deposit",
        "pays into, each tagged defi_bridge (GraphSense / INTERPOL DW-CC) with its destination.",
        f"Source: {BRIDGE_SOURCES}; every address checked against its EIP-55 checksum.",
        "context holds the bridge, the contract, destination_chain (a tracers chain name where",
        "tracers has one) and destination_chain_id (EIP-155). Left out: WETH (a wrapper, not a",
        "bridge), multi-destination bridges (Across, Stargate, ...: the destination is in each",
        "deposit), and contracts shared by several chains (zkSync's Bridgehub and shared bridge).",
    ]
    pack = {
        "title": "Canonical bridges out of Ethereum (ETH, USDT)",
        "creator": "tracers, from the bridges' own deployment records",
        "description": "Ethereum contracts of the canonical bridges to Arbitrum One, OP Mainnet, "
        "Base, Polygon PoS and zkSync Era: money paid into them leaves Ethereum",
        "currency": "ETH",
        "category": "defi_bridge",
        "concepts": ["defi_bridge"],
        "confidence": "service_data",
        "is_public": True,
        "tags": tags,
    }
    return "\n".join(comment), pack


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
`tracers/tags/build_builtin.py` from the public data the repository vendors in
`tests/resources/tag-sources/` (its README names each source). Do not edit them by hand: rerun

    .venv/bin/python -m tracers.tags.build_builtin --data tests/resources/tag-sources

| file | tags | what |
|---|---|---|
{rows}

## Sources and licences

- GraphSense TagPacks, {GRAPHSENSE_REPO}: copyright (c) 2022 Iknaio Cryptoasset Analytics GmbH,
  (c) 2018-2022 AIT Austrian Institute of Technology; MIT licence in `LICENSE-graphsense-tagpacks`.
  Used by every file but `builtin-ofac-sanctioned.yaml` and `builtin-bridges.yaml`.
- OFAC addresses, {OFAC_REPO}: copyright (c) 2021 0xB10C; MIT licence in
  `LICENSE-ofac-addresses`. Used by `builtin-ofac-sanctioned.yaml`. The addresses themselves are
  those of the US Treasury OFAC's SDN list.
- Bridges: contract addresses compiled by tracers from {BRIDGE_SOURCES}.
  Only the addresses (facts) are taken, no text of those files. Used by `builtin-bridges.yaml`.

## What each file keeps

{kept}

Tags are what their sources state about addresses, not findings: an exchange wallet says where to
send a subpoena, not who paid into it.
"""


if __name__ == "__main__":
    main()
