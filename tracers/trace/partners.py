"""Partner matches: a trace that reaches an address a partner organisation flagged (tags imported
with `--source-org`) records a `partner_match` finding per address and partner tag: who flagged
it, under which TLP marking, with which label and category, the address's role in this run and the
transactions in which the run's money touched it. The match changes no role: the money decides
roles; the partner's word is evidence beside it."""

from __future__ import annotations

import json

import duckdb

from tracers.store.queries import rows

RULE = "partner_tag"


def partner_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """Finding rows (the `findings` columns) for every partner tag on an address the run reached;
    the run's addresses and flows must be in the store (same transaction)."""
    found: list[tuple] = []
    numbers: dict[str, int] = {}
    for (chain, address, org, tlp, tagpack, sha256, index, label, category, abuse, actor, confidence,
         issued, role, tx_hashes) in rows(con, "trace/partner_flags", {"run_id": run_id}):
        numbers[chain] = numbers.get(chain, 0) + 1
        marking = f", TLP:{tlp.upper()}" if tlp else ""
        what = ", ".join(part for part in (category, abuse) if part)
        detail = (f"flagged by partner {org}{marking}: {label}" + (f" ({what})" if what else "")
                  + f"; in this trace: {role or 'received victim money'}")
        params = {"source_org": org, "tlp": tlp, "tagpack": tagpack, "sha256": sha256, "tag_index": index,
                  "label": label, "category": category, "abuse": abuse, "actor": actor, "issued": issued}
        found.append((
            run_id, f"{chain}:partner_match:{numbers[chain]}", "partner_match", RULE, chain, address, None,
            None, None, confidence, json.dumps(params, sort_keys=True), list(tx_hashes), detail,
        ))
    return found
