"""TagPack export: a case's addresses as a GraphSense TagPack (YAML), to share with other units or
load into GraphSense, and to read back with `tracers tags import`.

One tag per address of the case's latest finished trace run with one of these roles:

| tracers role   | category      | actor        | abuse | concepts                                    |
|----------------|---------------|--------------|-------|---------------------------------------------|
| perpetrator    | `perpetrator` | -            | scam  | scam, investment_fraud (+ money_laundering  |
|                |               |              |       | for addresses that move money on)           |
| deposit_wallet | `exchange`    | the exchange | -     | exchange                                    |
| victim         | `victim`      | -            | -     | -                                           |

GraphSense validates `category`, `abuse` and `concepts` against its concepts taxonomy (INTERPOL
DW-CC): it has `perpetrator`, `victim`, `exchange`, `scam`, `investment_fraud`,
`money_laundering`, but no deposit-address concept. A deposit address belongs to the exchange, so
it is tagged `exchange` with the exchange as `actor`; its context says `"role": "deposit_wallet"`,
which is how `role_of_tag` tells it from an exchange's own wallet.

Confidence: GraphSense levels name how the creator knows, not just how sure. Every tag here comes
from a forensic investigation, so tracers' 0-100 score maps to the nearest level at or below it
among the levels that describe that: `forensic_investigation` (70) for scores >= 70,
`heuristic` (10) for 10-69, `unknown` (5) below. Levels such as `ownership` (100, "creator
controls the key") or `manual_transaction` (90, "creator moved funds") would say something untrue
of a trace. The exact score stays in the context (`tracers_confidence`).

Header: title `tracers case <case>`, creator `tracers <version>`, description, `is_public: false`,
`lastmod` (the run's finish date), the default `confidence` and the `source`
(`tracers:<case>:<run_id>`). Each tag carries `currency` and `network` (ETH for ethereum, TRX for
tron, ...) and a `context` JSON: case, run, role, subrole, cluster, score, finding ids and rules,
and `tlp`. The TLP 2.0 marking the analyst chose (default amber) opens the file as a comment and
is in every tag's context (TagPack has no field for it). Victims' addresses are personal data:
they are left out unless asked for. The file depends only on the store and those two choices: the
same run gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import yaml

from tracers import __version__
from tracers.chains import CHAINS
from tracers.errors import TracersError
from tracers.exports.files import out_file, write_whole
from tracers.exports.tlp import DEFAULT_TLP, TLP_MEANING, tlp_label, tlp_level
from tracers.findings import RunInfo, finding_rules, latest_run, run_addresses
from tracers.tags.model import Tag

EXPORTED_ROLES = ("perpetrator", "deposit_wallet", "victim")
ROLE_CATEGORY = {"perpetrator": "perpetrator", "deposit_wallet": "exchange", "victim": "victim"}
CATEGORY_ROLE = {"perpetrator": "perpetrator", "victim": "victim", "exchange": "exchange"}
# GraphSense network codes (graphsense-lib tagpack/constants.py KNOWN_NETWORKS; BASE is not there).
NETWORK = {"ethereum": "ETH", "tron": "TRX", "bitcoin": "BTC", "bsc": "BSC", "polygon": "MATIC",
           "arbitrum": "ARB", "base": "BASE"}
# (level, score) that describe a forensic investigation, strongest first: see the module docstring.
CONFIDENCE_MAP = (("forensic_investigation", 70), ("heuristic", 10), ("unknown", 5))
DEFAULT_CONFIDENCE = CONFIDENCE_MAP[0][0]
# Perpetrator subroles that only receive victims' payments; the others move the money on.
_RECEIVING = frozenset({"collection", "reported"})
_SUBROLE_WORDS = {"collection": "collection address", "consolidator": "consolidator",
                  "peel_hop": "peel-chain hop", "gas_feeder": "gas feeder",
                  "co_funded": "co-funded address", "intermediary": "intermediary",
                  "reported": "reported scam address"}

def confidence_level(score: int | None) -> str:
    """tracers' 0-100 score -> the GraphSense level name (see the module docstring)."""
    value = 0 if score is None else score
    return next((name for name, level in CONFIDENCE_MAP if value >= level), CONFIDENCE_MAP[-1][0])


def role_of_tag(tag: Tag) -> str:
    """The tracers role a tag of this export stands for (perpetrator, deposit_wallet, victim;
    exchange, or unknown for tags of other packs)."""
    if tag.category == "exchange":
        return "deposit_wallet" if _context(tag).get("role") == "deposit_wallet" else "exchange"
    return CATEGORY_ROLE.get(tag.category or "", "unknown")


def roles_from_tags(tags: Iterable[Tag]) -> dict[tuple[str, str], str]:
    """(chain, address) -> tracers role, for the tags of a TagPack read back (`read_tag_file`)."""
    return {(t.chain, t.address): role_of_tag(t) for t in tags}


def export_tagpack(
    con: duckdb.DuckDBPyConnection, case_id: str, out: str | Path, *, tlp: str = DEFAULT_TLP,
    include_victims: bool = False, force: bool = False,
) -> int:
    """Write the TagPack of the case's latest finished trace run; returns the tags written.

    Victims' addresses (personal data) are in only with `include_victims`; `tlp` is the TLP 2.0
    marking. An existing file is replaced only with `force`."""
    level = tlp_level(tlp)
    if str(out).strip() and Path(out).suffix.lower() not in (".yaml", ".yml"):
        raise TracersError(f"--out {out}: a TagPack is YAML: give --out a file name ending in .yaml")
    path = out_file(out, force=force)
    run = latest_run(con, case_id)
    tags = tagpack_tags(con, run, include_victims, level)
    if not tags:
        raise TracersError(
            f"trace run {run.run_id} of case {case_id} found no perpetrator, deposit address"
            f"{' or victim' if include_victims else ''} to tag: a TagPack needs at least one tag"
        )
    write_whole(path, tagpack_bytes(run, tags, include_victims, level))
    return len(tags)


def tagpack_tags(con: duckdb.DuckDBPyConnection, run: RunInfo, include_victims: bool = False,
                 tlp: str = DEFAULT_TLP) -> list[dict]:
    """The run's tags as TagPack mappings, by role (perpetrators first), chain and address."""
    rules = {fid: rule for fid, (rule, _txs) in finding_rules(con, run.run_id).items()}
    order = {r: i for i, r in enumerate(EXPORTED_ROLES)}
    keyed = []
    for a in run_addresses(con, run.run_id):
        if a.role not in EXPORTED_ROLES or (a.role == "victim" and not include_victims):
            continue
        chain, address, role, subrole, cluster_id, label, exchange, score, hop, ids = (
            a.chain, a.address, a.role, a.subrole, a.cluster_id, a.label, a.exchange, a.confidence, a.hop,
            a.evidence)
        context = {
            "case_id": run.case_id, "run_id": run.run_id, "role": role, "subrole": subrole,
            "cluster_id": cluster_id, "hop": hop, "tracers_confidence": score,
            "findings": list(ids), "rules": sorted({rules[i] for i in ids if i in rules}), "tlp": tlp,
        }
        tag: dict = {"address": address, "currency": _currency(chain), "network": _network(chain),
                     "label": _label(role, subrole, cluster_id, label, exchange),
                     "category": ROLE_CATEGORY[role]}
        if role == "deposit_wallet" and exchange:
            tag["actor"] = exchange
            tag["tag_type"] = "actor"
        if role == "perpetrator":
            tag["abuse"] = "scam"
            tag["concepts"] = ["scam", "investment_fraud"] + (
                [] if subrole in _RECEIVING else ["money_laundering"])
        elif role == "deposit_wallet":
            tag["concepts"] = ["exchange"]
        level = confidence_level(score)
        if level != DEFAULT_CONFIDENCE:
            tag["confidence"] = level
        tag["context"] = json.dumps({k: v for k, v in context.items() if v is not None},
                                    sort_keys=True, ensure_ascii=False)
        keyed.append(((order[role], tag["network"], address), tag))
    return [tag for _, tag in sorted(keyed, key=lambda pair: pair[0])]


def tagpack_bytes(run: RunInfo, tags: list[dict], include_victims: bool = False,
                  tlp: str = DEFAULT_TLP) -> bytes:
    """The TagPack YAML: a header comment (with the TLP), the header fields, then the tags; UTF-8, LF."""
    finished = run.finished_at or run.started_at
    who = "perpetrators (the scam's cluster), exchange deposit addresses that received victim money"
    header = {
        "title": f"tracers case {run.case_id}",
        "creator": f"tracers {__version__}",
        "description": (
            f"Addresses of case {run.case_id} as traced by tracers (run {run.run_id}): {who}"
            f"{', and victims' if include_victims else ''}. Deposit addresses are category exchange with "
            "the exchange as actor; each tag's context names its role, the findings and rules "
            f"behind it, and tracers' own 0-100 confidence. Shared under {tlp_label(tlp)}."
        ),
        "is_public": False,
        "lastmod": date(finished.year, finished.month, finished.day),
        "source": f"tracers:{run.case_id}:{run.run_id}",
        "confidence": DEFAULT_CONFIDENCE,
        "tags": tags,
    }
    comment = (
        f"# {tlp_label(tlp)}: {TLP_MEANING[tlp]}.\n"
        f"# GraphSense TagPack written by tracers {__version__} from trace run {run.run_id}.\n"
        "# Not public: it names addresses of an open case. Do not edit; export it again.\n"
    )
    text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100)
    return (comment + text).encode("utf-8")


def _label(role: str, subrole: str | None, cluster_id: str | None, label: str | None,
           exchange: str | None) -> str:
    if role == "deposit_wallet":
        return f"{exchange or 'unidentified exchange'} deposit address"
    if role == "victim":
        return f"victim of a pig-butchering scam ({subrole or 'reported'})"
    what = _SUBROLE_WORDS.get(subrole or "", (subrole or "address").replace("_", " "))
    cluster = f" {cluster_id}" if cluster_id else ""
    return f"pig-butchering scam{cluster}: {what}" + (f" ({label})" if label else "")


def _network(chain: str) -> str:
    return NETWORK.get(chain, chain.upper())


def _currency(chain: str) -> str:
    """The chain's own coin (ETH, TRX, BNB, ...): GraphSense's `currency`; `network` names the chain."""
    known = CHAINS.get(chain)
    return known.native_symbol if known else chain.upper()


def _context(tag: Tag) -> dict:
    try:
        value = json.loads(tag.context or "")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
