"""What is watched: a case's cluster, or addresses an analyst names (added to the case as seeds)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import duckdb
from cronsim import CronSim, CronSimError

from tracers.cases import require_case
from tracers.errors import CaseError
from tracers.monitor.webhook import Resolve, Webhook, WebhookUnresolved, check_webhook
from tracers.store.queries import execute, rows
from tracers.trace import add_address_seed

DEFAULT_CRON = "*/30 * * * *"


def _check_cron(cron: str) -> str:
    fields = cron.split()
    try:
        if len(fields) != 5:
            raise ValueError
        CronSim(" ".join(fields), datetime(2026, 1, 1))
    except (ValueError, CronSimError):
        raise CaseError(
            f"--cron {cron!r}: give five fields (minute hour day month weekday), e.g. '*/30 * * * *'"
        ) from None
    return " ".join(fields)


def is_due(cron: str, last: datetime | None, now: datetime) -> bool:
    """Whether a monitor with this schedule (UTC) is due at `now`, its case last passed `last`."""
    if last is None:
        return True
    start = last.astimezone(UTC).replace(tzinfo=None)
    return next(CronSim(cron, start)) <= now.astimezone(UTC).replace(tzinfo=None)


def add_monitor(con: duckdb.DuckDBPyConnection, case_id: str, cron: str = DEFAULT_CRON,
                webhook: str | None = None, chain: str | None = None,
                addresses: list[str] | None = None, *, allow_private_webhook: bool = False,
                resolve: Resolve = socket.getaddrinfo) -> list[str]:
    """Watch the case's cluster, or the given addresses (seeds of the case); returns monitor ids.

    The webhook must pass `check_webhook` (public addresses only, unless `allow_private_webhook`,
    which is stored with the monitor); one whose host does not resolve now is kept, and every
    delivery checks it again before sending."""
    require_case(con, case_id)
    cron = _check_cron(cron)
    if webhook is not None:
        try:
            check_webhook(webhook, allow_private=allow_private_webhook, resolve=resolve)
        except WebhookUnresolved:
            pass  # checked again before each delivery: nothing is sent until it resolves, public
    now = datetime.now(UTC)
    targets: list[tuple[str, str | None, str | None]] = []
    if addresses:
        for address in addresses:
            seed_id = add_address_seed(con, case_id, chain or "ethereum", address)
            canonical = seed_id.rsplit(":", 1)[1]
            targets.append((f"{case_id}:{chain}:{canonical}", chain, canonical))
    else:
        targets.append((case_id, None, None))
    for monitor_id, target_chain, target_address in targets:
        execute(con, "monitor/save_monitor", {
            "monitor_id": monitor_id, "case_id": case_id, "chain": target_chain, "address": target_address,
            "cron": cron, "webhook": webhook, "created_at": now, "allow_private_webhook": allow_private_webhook,
        })
    return [t[0] for t in targets]


def remove_monitor(con: duckdb.DuckDBPyConnection, monitor_id: str) -> None:
    done = rows(con, "monitor/remove_monitor", {"monitor_id": monitor_id, "removed_at": datetime.now(UTC)})
    if not done:
        raise CaseError(f"no active monitor {monitor_id!r}: see `tracers monitor list`")


def list_monitors(con: duckdb.DuckDBPyConnection, include_removed: bool = False) -> list[dict]:
    found = rows(con, "monitor/monitors", {"include_removed": include_removed})
    keys = ("monitor_id", "case_id", "chain", "address", "cron", "webhook", "created_at",
            "removed_at", "last_pass")
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(keys, row)}
        for row in found
    ]


def watched_cases(con: duckdb.DuckDBPyConnection, case_id: str | None = None,
                  only_due: bool = False, now: datetime | None = None) -> dict[str, list[Webhook]]:
    """Active monitors' cases, each with its webhooks (and whether each may be private); with
    `only_due`, only cases one of whose monitors' schedule has come round since the case's last pass."""
    now = now or datetime.now(UTC)
    found = rows(con, "monitor/watched_cases", {"case_id": case_id})
    cases: dict[str, list[Webhook]] = {}
    due: set[str] = set()
    for case, webhook, allow_private, cron, last in found:
        hooks = cases.setdefault(case, [])
        if webhook and Webhook(webhook, allow_private) not in hooks:
            hooks.append(Webhook(webhook, allow_private))
        if is_due(cron, last, now):
            due.add(case)
    if case_id and case_id not in cases:
        raise CaseError(f"case {case_id!r} is not monitored: `tracers monitor add --case {case_id}` first")
    return {c: h for c, h in cases.items() if c in due} if only_due else cases
