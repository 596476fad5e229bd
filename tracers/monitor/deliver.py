"""Delivery of alerts to webhooks, at least once and never lost.

    enqueue(con, alert_ids, webhook)            # a 'pending' row per (alert, webhook)
    report = deliver_pending(con, session)      # POST each pending alert, oldest first

- Each (alert, webhook) is a row of `alert_deliveries`, 'pending' until a POST is answered 2xx; only
  then is it 'delivered'. Anything else (another status, a redirect, a refused or dropped connection,
  a timeout) is retried with exponential backoff up to `max_attempts_now` times in this call; a row
  still failing stays 'pending' (attempts counted, the last error kept) for the next call: the next
  monitor pass, or `tracers alerts deliver`.
- A webhook that fails all its tries is not tried again in the same call: its later alerts wait
  (pending, untouched) rather than each costing a full round of backoff, and none overtakes an
  older one.
- Each POST carries `Idempotency-Key: <alert_id>`. A 2xx whose store update is lost (the process
  dies between the two) or a receiver that answers after the client gave up means the alert is
  sent again; the receiver drops the repeat by that key.
- Only http(s) webhooks on public addresses are POSTed to (tracers.monitor.webhook), unless the
  monitor was added with --allow-private-webhook (kept with each delivery row); the host is
  resolved and checked again before each alert's first try, and redirects are never followed.
- Webhook URLs carry secrets (Slack and Discord put a token in the path, others in the query or the
  userinfo): errors, logs and the report show `scheme://host[:port]/<first path segment>/***`.
- Amounts travel as exact decimal strings in base units, never as JSON numbers.
- No transaction is held across a POST: each delivery's outcome lands in its own short transaction,
  so call `deliver_pending` outside any transaction of yours. `enqueue` opens none: call it in the
  transaction that stores the alerts, so an alert never lands without its deliveries.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import duckdb
import requests

from tracers import __version__, redact
from tracers.domain import iso_utc
from tracers.errors import TracersError
from tracers.monitor.webhook import (
    Resolve,
    WebhookError,
    check_webhook,
    check_webhook_url,
    shown_url,
)
from tracers.sources.http import retry_after_seconds
from tracers.store import transaction
from tracers.store.queries import execute, rows

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Now = Callable[[], datetime]

_BODY_EXCERPT = 120

# The alert's fields, in the order sql/monitor/pending_deliveries.sql gives them after the delivery's.
_ALERT_KEYS = ("alert_id", "case_id", "pass_id", "kind", "chain", "address", "related", "asset",
               "amount", "traced_amount", "tx_hash", "position", "block_number", "block_time",
               "detail", "evidence", "created_at")


@dataclass
class DeliveryReport:
    """What one `deliver_pending` call did. `errors` are masked, one per (alert, webhook) left
    pending, and one per webhook given up on for this call."""

    delivered: int = 0
    still_pending: int = 0
    attempts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.still_pending == 0


# -- the payload -------------------------------------------------------------------------------


def exact_amount(value: Any) -> str | None:
    """An amount in base units as an exact decimal string; None stays None. Floats are refused:
    they have already lost digits."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"amounts are exact integers in base units, got {value!r} "
                        f"({type(value).__name__}); read them from the store as text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"an amount in base units has no fraction, got {value}")
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            return str(int(text))
        except ValueError:
            raise ValueError(f"amount {value!r} is not an integer in base units") from None
    raise TypeError(f"cannot read an amount from {type(value).__name__}")



def _evidence(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def alert_payload(row: Mapping[str, Any]) -> dict:
    """The JSON an alert is POSTed as, from a row of `alerts` (amounts as int or decimal text)."""
    return {
        "alert_id": row["alert_id"],
        "case_id": row["case_id"],
        "kind": row["kind"],
        "chain": row["chain"],
        "address": row.get("address"),
        "related": row.get("related"),
        "asset": row.get("asset"),
        "amount": exact_amount(row.get("amount")),
        "traced_amount": exact_amount(row.get("traced_amount")),
        "tx_hash": row.get("tx_hash"),
        "position": _int_or_none(row.get("position")),
        "block_number": _int_or_none(row.get("block_number")),
        "block_time": iso_utc(row.get("block_time")) or None,
        "detail": row["detail"],
        "evidence": _evidence(row.get("evidence")),
        "created_at": iso_utc(row.get("created_at")) or None,
        "tool": "tracers",
        "version": __version__,
    }


def payload_bytes(payload: Mapping[str, Any]) -> bytes:
    """The POST body: sorted keys, compact, UTF-8 (the same alert gives the same bytes)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- the queue ---------------------------------------------------------------------------------


def enqueue(con: duckdb.DuckDBPyConnection, alert_ids: Iterable[str], webhook: str, *,
            allow_private: bool = False) -> int:
    """A 'pending' delivery of each alert to `webhook`; rows already there (pending or delivered)
    are left as they are. Returns the rows added. Opens no transaction: one statement writes.
    The URL is checked as written (no DNS inside the caller's transaction); `allow_private` is
    kept with each row, so the check before each POST applies the same rule."""
    check_webhook_url(webhook, allow_private=allow_private)
    ids = sorted(set(alert_ids))
    if not ids:
        return 0
    known = {a for (a,) in rows(con, "monitor/stored_alert_ids", {"alert_ids": ids})}
    missing = [a for a in ids if a not in known]
    if missing:
        raise WebhookError(f"{len(missing)} alert id(s) are not in the store (first: {missing[0]}); "
                           "store the alerts before queueing their delivery")
    [(added,)] = rows(con, "monitor/enqueue_deliveries",
                      {"webhook": webhook, "allow_private": allow_private, "alert_ids": ids})
    return int(added)


def pending_deliveries(con: duckdb.DuckDBPyConnection, case_id: str | None = None) -> list[dict]:
    """Pending (alert, webhook) rows, oldest alert first: the alert's fields plus webhook, attempts."""
    found = rows(con, "monitor/pending_deliveries", {"case_id": case_id})
    return [dict(zip(("webhook", "allow_private", "attempts", *_ALERT_KEYS), row)) for row in found]


# -- delivery ----------------------------------------------------------------------------------


def deliver_pending(
    con: duckdb.DuckDBPyConnection,
    session: requests.Session,
    *,
    max_attempts_now: int = 4,
    backoff: float = 1.0,
    max_backoff: float = 30.0,
    sleep: Sleep = time.sleep,
    timeout: float = 10.0,
    case_id: str | None = None,
    now: Now = lambda: datetime.now(UTC),
    resolve: Resolve = socket.getaddrinfo,
) -> DeliveryReport:
    """POST every pending alert to its webhook, oldest first; see the module docstring.

    Between tries of one alert the wait is `backoff * 2**(try-1)` seconds (at most `max_backoff`,
    or longer when a 429/503 asks so by Retry-After, still capped at `max_backoff`). Before the
    first POST of each alert the webhook's host is resolved again (`resolve`) and every address
    must pass `check_webhook` under the rule stored with the delivery; else it stays pending."""
    if max_attempts_now < 1:
        raise ValueError(f"max_attempts_now must be >= 1, got {max_attempts_now}")
    report = DeliveryReport()
    given_up: dict[str, int] = {}  # webhook -> its alerts left untried in this call
    for row in pending_deliveries(con, case_id):
        webhook = row["webhook"]
        if webhook in given_up:
            given_up[webhook] += 1
            report.still_pending += 1
            continue
        outcome = _deliver_one(session, row, max_attempts_now=max_attempts_now, backoff=backoff,
                               max_backoff=max_backoff, sleep=sleep, timeout=timeout, resolve=resolve)
        report.attempts += outcome.tries
        _record(con, row["alert_id"], webhook, outcome, now())
        if outcome.delivered:
            report.delivered += 1
        else:
            report.still_pending += 1
            report.errors.append(f"alert {row['alert_id']} to {shown_url(webhook)}: {outcome.error}")
            given_up[webhook] = 0
    for webhook, waiting in given_up.items():
        if waiting:
            report.errors.append(f"{shown_url(webhook)}: {waiting} more alert(s) left pending for the "
                                 "next delivery (the webhook failed every try in this one)")
    return report


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    tries: int
    error: str | None  # the last failure, masked (also set when a later try succeeded)


def _deliver_one(session, row: dict, *, max_attempts_now, backoff, max_backoff, sleep,
                 timeout, resolve) -> _Outcome:
    webhook = row["webhook"]
    shown = shown_url(webhook)
    secrets = redact.secrets_of_url(webhook, path_is_secret=True)
    try:
        check_webhook(webhook, allow_private=bool(row["allow_private"]), resolve=resolve)
        body = payload_bytes(alert_payload(row))
    except (TracersError, TypeError, ValueError) as exc:  # a row written around `enqueue`, or DNS changed
        return _Outcome(False, 0, redact.mask(str(exc), secrets))
    redact.register(secrets)
    headers = {"Content-Type": "application/json", "Idempotency-Key": row["alert_id"],
               "User-Agent": f"tracers/{__version__}"}
    error = None
    for attempt in range(1, max_attempts_now + 1):
        failure, retry_after = _post(session, webhook, body, headers, timeout)
        if failure is None:
            return _Outcome(True, attempt, error)
        error = redact.mask(failure, secrets)
        if attempt < max_attempts_now:
            delay = min(max_backoff, backoff * 2 ** (attempt - 1))
            if retry_after is not None:
                delay = max(delay, min(retry_after, max_backoff))
            log.warning("alert %s to %s: %s (try %d of %d); retrying in %.2f s", row["alert_id"],
                        shown, error, attempt, max_attempts_now, delay)
            sleep(delay)
    log.warning("alert %s to %s: %s after %d tries; left pending", row["alert_id"], shown, error,
                max_attempts_now)
    return _Outcome(False, max_attempts_now, error)


def _post(session, url: str, body: bytes, headers: dict, timeout: float) -> tuple[str | None, float | None]:
    """One POST: (None, None) on a 2xx, else (what went wrong, Retry-After seconds or None)."""
    try:
        with session.post(url, data=body, headers=headers, timeout=timeout,
                          allow_redirects=False) as response:
            status = response.status_code
            excerpt = response.content[:_BODY_EXCERPT].decode("utf-8", "replace").strip()
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    except requests.Timeout:
        return f"no answer within {timeout:g} s", None
    except requests.RequestException as exc:  # its text carries the URL: only the type is kept
        return f"connection failed ({type(exc).__name__})", None
    if 200 <= status < 300:
        return None, None
    excerpt = " ".join(excerpt.split())
    return f"HTTP {status}" + (f": {excerpt}" if excerpt else ""), retry_after


def _record(con, alert_id: str, webhook: str, outcome: _Outcome, at: datetime) -> None:
    """One delivery's outcome, in its own transaction; a row already delivered is not touched."""
    params = {"alert_id": alert_id, "webhook": webhook, "tries": outcome.tries, "error": outcome.error, "at": at}
    with transaction(con):
        execute(con, "monitor/delivery_delivered" if outcome.delivered else "monitor/delivery_failed", params)
