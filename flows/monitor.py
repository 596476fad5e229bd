"""The monitor_clusters Prefect flow: a pass over every watched case (or one), alerts published as
Prefect artifacts and delivered to webhooks (pending deliveries of earlier passes included)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.trace import live_fetcher
from tracers.monitor.artifacts import alerts_markdown, alerts_table, artifact_key
from tracers.monitor.deliver import deliver_pending
from tracers.monitor.pass_ import list_alerts, run_pass
from tracers.monitor.watch import watched_cases
from tracers.monitor.webhook import Webhook, check_webhook_url
from tracers.store import connect


@flow(name="monitor_clusters", log_prints=True)
def monitor_clusters(
    case: str | None = None,
    source: str = "store",
    chain: str = "ethereum",
    db: str = "tracers.duckdb",
    rpc_url: str | None = None,
    explorer_url: str | None = None,
    tron_url: str | None = None,
    webhook: str | None = None,
    allow_private_webhook: bool = False,
    only_due: bool = False,
    chain_id: int | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
) -> dict:
    """Watch known clusters: trace each monitored case again (a live source fetches only what is
    new since each address's checkpoint) and alert on new outflows, deposits, new deposit
    addresses and members, funds at rest moving, and money reaching sanctioned, mixer or bridge
    addresses.

    Args:
        case: Only this case (default: every monitored case).
        source: Where chain data comes from: store, rpc, explorer or tron.
        chain: The chain the live source serves.
        db: The DuckDB store.
        rpc_url: EVM JSON-RPC URL (or TRACERS_RPC_URL_<CHAIN>).
        explorer_url: Etherscan-v2 compatible API URL (or TRACERS_EXPLORER_URL).
        tron_url: TronGrid URL (or TRACERS_TRON_URL).
        webhook: Also POST every new alert to this URL (besides the monitors' own webhooks); a
            public address only, unless allow_private_webhook.
        allow_private_webhook: Let `webhook` be on a private or loopback address (a receiver on
            this machine or the unit's network).
        only_due: Only the cases whose monitors' own schedules (tracers monitor add --cron) have
            come round since their last pass; the scheduled deployment sets it.
        chain_id: Source rpc: accept a node serving this chain id (a local fork or test node);
            empty: TRACERS_RPC_CHAIN_ID_<CHAIN>.
        runner: Where fetches run: threads (this process) or dask (a Dask cluster).
        dask_address: Runner dask: the scheduler (or TRACERS_DASK_ADDRESS); empty: a local cluster.
    """
    logger = get_run_logger()
    extra = Webhook(check_webhook_url(webhook, allow_private=allow_private_webhook),
                    allow_private_webhook) if webhook is not None else None
    con = connect(db)
    summary: dict[str, dict] = {}
    try:
        cases = watched_cases(con, case, only_due=only_due)
        with live_fetcher(con, source, chain, rpc_url=rpc_url, explorer_url=explorer_url, tron_url=tron_url,
                          chain_id=chain_id, runner=runner, dask_address=dask_address) as fetcher:
            ensure = {chain: fetcher} if fetcher else {}
            for case_id, hooks in cases.items():
                summary[case_id] = _pass(con, case_id, hooks, extra, ensure, logger)
        report = deliver_pending(con, requests.Session())
        summary["_deliveries"] = {"delivered": report.delivered, "pending": report.still_pending}
    finally:
        con.close()
    return summary


def _pass(con, case_id: str, hooks: list[Webhook], extra: Webhook | None, ensure: dict, logger) -> dict:
    """One case's monitoring pass; its new alerts as Prefect artifacts."""
    hooks = hooks + ([extra] if extra and extra not in hooks else [])
    result = run_pass(con, case_id, ensure=ensure, progress=logger.info, webhooks=hooks)
    if result.is_baseline:
        logger.info("%s: baseline recorded (run %s)", case_id, result.run_id)
    else:
        logger.info("%s: %d new alerts", case_id, len(result.new_alerts))
    if result.new_alerts:
        fresh = {a["alert_id"] for a in result.new_alerts}
        rows: list[Mapping[str, Any]] = [a for a in list_alerts(con, case_id) if a["alert_id"] in fresh]
        create_markdown_artifact(alerts_markdown(rows, case_id, result.pass_id),
                                 key=artifact_key("alerts", case_id),
                                 description=f"alerts of {result.pass_id}")
        create_table_artifact(alerts_table(rows), key=artifact_key("alerts", case_id, "table"),
                              description=f"alerts of {result.pass_id}")
    return {"pass_id": result.pass_id, "run_id": result.run_id, "baseline": result.is_baseline,
            "alerts": len(result.new_alerts)}
