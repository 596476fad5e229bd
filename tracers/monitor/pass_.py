"""One monitoring pass over a case: trace it again (a live source fetches only what is new since
each address's checkpoint), compare with the previous pass's run, and store an alert for each new
chain event that matters. The first pass of a case records the baseline and alerts nothing.
Alert ids hash the chain event, so the same event never alerts twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from tracers.findings import CaseLink, case_links
from tracers.monitor.deliver import enqueue
from tracers.monitor.webhook import Webhook
from tracers.store import transaction
from tracers.store.bulk import insert_rows
from tracers.store.queries import rows
from tracers.trace import TraceParams, trace_case

MIN_AT_REST_UNITS = 1000  # funds at rest of at least 1,000 token units moving raise an alert


@dataclass(frozen=True)
class PassResult:
    case_id: str
    pass_id: str
    run_id: str
    baseline_run: str | None
    new_alerts: list[dict]

    @property
    def is_baseline(self) -> bool:
        return self.baseline_run is None


_ALERT_COLUMNS = ["alert_id", "case_id", "pass_id", "kind", "chain", "address", "related", "asset",
                  "amount", "traced_amount", "tx_hash", "position", "block_number", "block_time",
                  "detail", "evidence", "created_at"]


def alert_id(case_id: str, kind: str, chain: str, tx_hash, move, position, address) -> str:
    key = "|".join(str(part) for part in (case_id, kind, chain, tx_hash, move, position, address))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def run_pass(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    params: TraceParams | None = None,
    ensure: Mapping[str, Callable] | None = None,
    progress: Callable[[str], None] | None = None,
    min_at_rest_units: int = MIN_AT_REST_UNITS,
    webhooks: Sequence[Webhook] = (),
) -> PassResult:
    """A pass over the case. Its alerts, and a pending delivery of each to every webhook, land in
    one transaction: an alert is never stored without its deliveries."""
    started = datetime.now(UTC)
    previous = con.execute(
        "SELECT run_id, through_blocks, links FROM monitor_passes WHERE case_id = ? ORDER BY started_at DESC LIMIT 1",
        [case_id],
    ).fetchall()
    run = trace_case(con, case_id, params, progress=progress, ensure=ensure)
    through = dict(con.execute("SELECT chain, max(block_number) FROM transfers GROUP BY chain").fetchall())
    count = con.execute("SELECT count(*) FROM monitor_passes WHERE case_id = ?", [case_id]).fetchall()[0][0]
    pass_id = f"{case_id}:pass:{count + 1}"
    alert_rows: list[tuple] = []
    baseline = previous[0][0] if previous else None
    if baseline is not None:
        since = json.loads(previous[0][1])
        con.execute("CREATE OR REPLACE TEMP TABLE monitor_since (chain VARCHAR, block BIGINT)")
        for chain, block in since.items():
            con.execute("INSERT INTO monitor_since VALUES (?, ?)", [chain, block])
        found = rows(con, "monitor/alerts",
                     {"run": run.run_id, "baseline": baseline, "min_at_rest": min_at_rest_units})
        now = datetime.now(UTC)
        for (kind, chain, address, related, asset, amount, traced, tx, move, position, block,
             time, detail) in found:
            evidence = _evidence(con, run.run_id, chain, address, related, tx)
            alert_rows.append((
                alert_id(case_id, kind, chain, tx, move, position, address), case_id, pass_id, kind,
                chain, address, related, asset, amount, traced, tx, position, block, time, detail,
                json.dumps(evidence, sort_keys=True), now,
            ))
        for finding_id, chain, address, tag_key, tx_hashes, detail in rows(
            con, "monitor/partner_alerts", {"run": run.run_id, "baseline": baseline}
        ):
            evidence = {"run_id": run.run_id, "findings": [finding_id], "tx_hashes": list(tx_hashes)[:20]}
            alert_rows.append((
                alert_id(case_id, "partner_flag", chain, None, tag_key, None, address), case_id, pass_id,
                "partner_flag", chain, address, None, None, None, None, None, None, None, None, detail,
                json.dumps(evidence, sort_keys=True), now,
            ))
    links = case_links(con, case_id)
    linked_now = _link_keys(case_id, links)
    if baseline is not None and previous[0][2] is not None:  # passes before 0.1 kept no links
        seen = set(json.loads(previous[0][2]))
        alert_rows += _link_alerts(case_id, pass_id, run.run_id, links, linked_now - seen)
    known = {a for (a,) in con.execute("SELECT alert_id FROM alerts WHERE case_id = ?", [case_id]).fetchall()}
    fresh = [r for r in dict((r[0], r) for r in alert_rows).values() if r[0] not in known]
    with transaction(con):
        insert_rows(con, "alerts", _ALERT_COLUMNS, fresh, {"amount": "BIGNUM", "traced_amount": "BIGNUM"})
        for hook in webhooks:
            enqueue(con, [r[0] for r in fresh], hook.url, allow_private=hook.allow_private)
        con.execute(
            "INSERT INTO monitor_passes (pass_id, case_id, baseline_run, run_id, through_blocks, started_at, "
            "finished_at, alerts, links) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pass_id, case_id, baseline, run.run_id, json.dumps(through, sort_keys=True), started,
             datetime.now(UTC), len(fresh), json.dumps(sorted(linked_now))],
        )
    return PassResult(case_id, pass_id, run.run_id, baseline, [dict(zip(_ALERT_COLUMNS, r)) for r in fresh])


def _link_keys(case_id: str, links: list[CaseLink]) -> set[str]:
    """'chain|address|other case' for every other case sharing an address with this one."""
    return {f"{link.chain}|{link.address}|{other}" for link in links for other in link.case_ids if other != case_id}


def _link_alerts(case_id: str, pass_id: str, run_id: str, links: list[CaseLink], new: set[str]) -> list[tuple]:
    """A `case_link` alert for each other case that now shares an address with this one: its role
    there, the money it traced in (per asset, base units) and the findings both sides rest on."""
    found = []
    now = datetime.now(UTC)
    for link in links:
        mine = next(s for s in link.sides if s.case_id == case_id)
        for side in link.sides:
            if f"{link.chain}|{link.address}|{side.case_id}" not in new:
                continue
            money = "; ".join(f"{base} base units of {asset}" for asset, base in side.traced) or "no victim money"
            detail = (f"case {side.case_id} now shares {link.address} with this case: {side.role} there "
                      f"({money} traced in), {mine.role} here")
            evidence = {"run_id": run_id, "findings": list(mine.evidence)[:20], "other_case": side.case_id,
                        "other_run": side.run_id, "other_findings": list(side.evidence)[:20],
                        "tx_hashes": list(side.tx_hashes)[:20]}
            found.append((
                alert_id(case_id, "case_link", link.chain, None, side.case_id, None, link.address), case_id,
                pass_id, "case_link", link.chain, link.address, None, None, None, None, None, None, None, None,
                detail, json.dumps(evidence, sort_keys=True), now,
            ))
    return found


def _evidence(con, run_id: str, chain: str, address, related, tx) -> dict:
    findings = [f for (f,) in con.execute(
        "SELECT finding_id FROM findings WHERE run_id = ? AND chain = ? AND address IN (?, ?) ORDER BY finding_id",
        [run_id, chain, address, related]).fetchall()]
    return {"run_id": run_id, "findings": findings[:20], "tx_hashes": [tx] if tx else []}


def list_alerts(con: duckdb.DuckDBPyConnection, case_id: str | None = None,
                since: datetime | None = None) -> list[dict]:
    found = rows(con, "monitor/stored_alerts", {"case_id": case_id, "since": since})
    keys = ("alert_id", "case_id", "kind", "chain", "address", "related", "asset", "amount",
            "traced_amount", "tx_hash", "position", "block_number", "block_time", "detail",
            "evidence", "created_at", "decimals", "delivery")
    return [dict(zip(keys, r)) for r in found]
