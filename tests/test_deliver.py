"""Alert delivery to webhooks: exact payloads, retries within a call, rows that stay pending (never
lost, never marked delivered without a 2xx) until a later call delivers them exactly once, an
idempotent queue, refused URLs and secrets that never show; and the pass's artifacts."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import requests

from fakes.webhook_server import WebhookServer
from tracers.monitor.artifacts import alerts_markdown, alerts_table, artifact_key
from tracers.monitor.deliver import (
    WebhookError,
    alert_payload,
    deliver_pending,
    enqueue,
    pending_deliveries,
    shown_url,
)
from tracers.monitor.webhook import check_webhook_url
from tracers.store import connect
from tracers.store.bulk import insert_rows

HUGE = 2**256 - 1
SECRET = "s3cr3t-T0KEN-xyz"
PATH_SECRET = "B0000000/XXXXXXXXXXXXXXXX"
CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COLUMNS = ["alert_id", "case_id", "pass_id", "kind", "chain", "address", "related", "asset",
           "amount", "traced_amount", "tx_hash", "position", "block_number", "block_time",
           "detail", "evidence", "created_at"]


def alert(n: int, **overrides) -> dict:
    row = {
        "alert_id": f"a{n:031d}",
        "case_id": "pig-1",
        "pass_id": "pig-1:pass:2",
        "kind": "outflow",
        "chain": "ethereum",
        "address": "0x" + f"{n:040x}",
        "related": "0x" + "e" * 40,
        "asset": "0xdac17f958d2ee523a2206206994597c13d831ec7",
        "amount": HUGE - n,
        "traced_amount": 1_000_000 * n,
        "tx_hash": "0x" + f"{n:064x}",
        "position": n,
        "block_number": 21_000_000 + n,
        "block_time": datetime(2026, 3, 1, 11, 59, n, tzinfo=UTC),
        "detail": f"Funds moved out of the cluster, alert {n}.",
        "evidence": json.dumps({"run_id": "run-9", "findings": [f"f{n}"], "tx_hashes": ["0x" + f"{n:064x}"]}),
        "created_at": CREATED + timedelta(seconds=n),
    }
    row.update(overrides)
    return row


def store_alerts(con, rows: list[dict]) -> list[str]:
    insert_rows(con, "alerts", COLUMNS, [tuple(r[c] for c in COLUMNS) for r in rows],
                {"amount": "BIGNUM", "traced_amount": "BIGNUM"})
    return [r["alert_id"] for r in rows]


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    yield con
    con.close()


class NoSleep:
    def __init__(self):
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def deliver(con, **options):
    options.setdefault("sleep", NoSleep())
    options.setdefault("timeout", 2.0)
    with requests.Session() as session:
        return deliver_pending(con, session, **options)


def deliveries(con) -> dict[str, tuple]:
    rows = con.execute(
        "SELECT alert_id, status, attempts, last_error, last_attempt_at IS NOT NULL, "
        "delivered_at IS NOT NULL FROM alert_deliveries ORDER BY alert_id").fetchall()
    return {r[0]: r[1:] for r in rows}


# -- the payload -------------------------------------------------------------------------------


def test_payload_of_a_stored_alert_is_exact(store):
    store_alerts(store, [alert(1)])
    enqueue(store, ["a" + "1".rjust(31, "0")], "https://hooks.example.org/alerts")
    [row] = pending_deliveries(store)
    payload = alert_payload(row)
    assert payload == {
        "alert_id": "a" + "1".rjust(31, "0"),
        "case_id": "pig-1",
        "kind": "outflow",
        "chain": "ethereum",
        "address": "0x" + "1".rjust(40, "0"),
        "related": "0x" + "e" * 40,
        "asset": "0xdac17f958d2ee523a2206206994597c13d831ec7",
        "amount": str(HUGE - 1),
        "traced_amount": "1000000",
        "tx_hash": "0x" + "1".rjust(64, "0"),
        "position": 1,
        "block_number": 21_000_001,
        "block_time": "2026-03-01T11:59:01Z",
        "detail": "Funds moved out of the cluster, alert 1.",
        "evidence": {"run_id": "run-9", "findings": ["f1"], "tx_hashes": ["0x" + "1".rjust(64, "0")]},
        "created_at": "2026-03-01T12:00:01Z",
        "tool": "tracers",
        "version": payload["version"],
    }
    assert payload["version"]
    assert int(json.loads(json.dumps(payload))["amount"]) == HUGE - 1


def test_payload_takes_integer_amounts_and_refuses_floats():
    assert alert_payload(alert(2, amount=HUGE, traced_amount=None))["amount"] == str(HUGE)
    assert alert_payload(alert(2, amount=None))["amount"] is None
    with pytest.raises(TypeError, match="exact integers"):
        alert_payload(alert(2, amount=1.5e18))
    with pytest.raises(ValueError, match="not an integer"):
        alert_payload(alert(2, amount="12.5"))


# -- delivery ----------------------------------------------------------------------------------


def test_every_pending_alert_is_delivered_once_oldest_first(store):
    rows = [alert(3), alert(1), alert(2)]
    ids = store_alerts(store, rows)
    with WebhookServer() as hook:
        url = hook.url + "/hooks/alerts?token=" + SECRET
        assert enqueue(store, ids, url, allow_private=True) == 3
        report = deliver(store)
        assert (report.delivered, report.still_pending, report.attempts, report.errors) == (3, 0, 3, [])
        got = hook.accepted()
        assert [r.json["alert_id"] for r in got] == sorted(ids)  # oldest created_at first
        by_id = {r["alert_id"]: r for r in rows}
        for request in got:
            assert request.method == "POST"
            assert request.path == "/hooks/alerts" and request.params == {"token": SECRET}
            assert request.header("Content-Type") == "application/json"
            assert request.header("Idempotency-Key") == request.json["alert_id"]
            assert request.json == alert_payload(by_id[request.json["alert_id"]])
            assert request.json["amount"] == str(by_id[request.json["alert_id"]]["amount"])
        assert deliver(store).attempts == 0  # nothing left to send
        assert hook.count() == 3
    assert set(deliveries(store).values()) == {("delivered", 1, None, True, True)}


@pytest.mark.parametrize("fault", ["500", "drop", "slow"])
def test_a_receiver_failing_three_times_gets_the_alert_within_one_call(store, fault):
    [aid] = store_alerts(store, [alert(1)])
    sleep = NoSleep()
    with WebhookServer(fail_first=3, fault=fault, stall=0.6) as hook:
        enqueue(store, [aid], hook.url + "/hook", allow_private=True)
        report = deliver(store, sleep=sleep, timeout=0.2, backoff=0.5)
        assert (report.delivered, report.still_pending, report.attempts) == (1, 0, 4)
        assert hook.count() == 4 and hook.count(fault) == 3
        assert hook.accepted_ids() == {aid: 1}
        sent = hook.received  # a receiver that got a try the client gave up on drops the repeat:
        assert {(r.header("Idempotency-Key"), r.body) for r in sent} == {(aid, sent[-1].body)}
    assert sleep.slept == [0.5, 1.0, 2.0]  # exponential, none after the last try
    status, attempts, error, _, delivered = deliveries(store)[aid]
    assert (status, attempts, delivered) == ("delivered", 4, True)
    assert error  # the failure before the success is kept


def test_a_receiver_that_keeps_failing_leaves_alerts_pending_until_it_recovers(store, caplog):
    ids = store_alerts(store, [alert(1), alert(2), alert(3)])
    caplog.set_level(logging.DEBUG)
    with WebhookServer(always_fail=True) as hook:
        url = f"{hook.url}/services/{PATH_SECRET}?token={SECRET}"
        enqueue(store, ids, url, allow_private=True)
        first = deliver(store, max_attempts_now=4)
        assert (first.delivered, first.still_pending, first.attempts) == (0, 3, 4)
        assert hook.count() == 4 and hook.accepted() == []
        rows = deliveries(store)
        # the oldest was tried four times; the webhook was then left alone for this call
        assert rows[ids[0]][:3] == ("pending", 4, "HTTP 500: {\"error\": \"Internal Server Error\"}")
        assert rows[ids[0]][3] is True and rows[ids[0]][4] is False
        assert rows[ids[1]] == ("pending", 0, None, False, False)
        assert rows[ids[2]] == ("pending", 0, None, False, False)
        assert "POST /services/***" in caplog.text  # urllib3's own request line, masked
        shown = " ".join(first.errors) + caplog.text + json.dumps(rows, default=str)
        assert SECRET not in shown and "XXXXXXXX" not in shown
        assert f"{hook.url}/services/***?***" in " ".join(first.errors)

        again = deliver(store, max_attempts_now=2)  # still down: still pending, attempts add up
        assert (again.delivered, again.still_pending, again.attempts) == (0, 3, 2)
        assert deliveries(store)[ids[0]][:2] == ("pending", 6)

        hook.recover()
        last = deliver(store)
        assert (last.delivered, last.still_pending, last.attempts, last.errors) == (3, 0, 3, [])
        assert hook.accepted_ids() == {aid: 1 for aid in ids}  # each delivered exactly once
        assert [r.json["alert_id"] for r in hook.accepted()] == ids
        assert deliver(store).attempts == 0
        assert len(hook.accepted()) == 3
    assert {v[0] for v in deliveries(store).values()} == {"delivered"}
    assert deliveries(store)[ids[0]][1] == 7


@pytest.mark.parametrize(("status", "delivered"), [(200, True), (202, True), (204, True),
                                                   (301, False), (302, False), (400, False),
                                                   (410, False)])
def test_only_a_2xx_marks_an_alert_delivered(store, status, delivered):
    [aid] = store_alerts(store, [alert(1)])
    with WebhookServer(status=status) as hook:
        enqueue(store, [aid], hook.url + "/hook", allow_private=True)
        report = deliver(store, max_attempts_now=2)
        assert hook.count() == (1 if delivered else 2)  # a redirect is not followed
    assert deliveries(store)[aid][0] == ("delivered" if delivered else "pending")
    assert report.delivered == int(delivered)


def test_a_receiver_that_is_gone_leaves_alerts_pending(store):
    [aid] = store_alerts(store, [alert(1)])
    with WebhookServer() as hook:
        url = hook.url + "/hook"
    enqueue(store, [aid], url, allow_private=True)  # the server is closed: connections are refused
    report = deliver(store, max_attempts_now=3)
    assert (report.delivered, report.still_pending, report.attempts) == (0, 1, 3)
    assert deliveries(store)[aid][:3] == ("pending", 3, "connection failed (ConnectionError)")


def test_each_webhook_gets_its_own_delivery(store):
    ids = store_alerts(store, [alert(1), alert(2)])
    with WebhookServer(always_fail=True) as down, WebhookServer() as up:
        enqueue(store, ids, down.url + "/a", allow_private=True)
        enqueue(store, ids, up.url + "/b", allow_private=True)
        report = deliver(store, max_attempts_now=2)
        assert (report.delivered, report.still_pending) == (2, 2)
        assert up.accepted_ids() == {aid: 1 for aid in ids}
        assert down.count() == 2  # one alert's two tries, then left alone
    statuses = store.execute(
        "SELECT webhook LIKE '%/b', status, count(*) FROM alert_deliveries GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert statuses == [(False, "pending", 2), (True, "delivered", 2)]


# -- the queue ---------------------------------------------------------------------------------


def test_enqueue_is_idempotent(store):
    ids = store_alerts(store, [alert(1), alert(2)])
    with WebhookServer() as hook:
        url = hook.url + "/hook"
        assert enqueue(store, ids, url, allow_private=True) == 2
        assert enqueue(store, ids, url, allow_private=True) == 0
        assert enqueue(store, [*ids, ids[0]], url, allow_private=True) == 0
        assert deliver(store).delivered == 2
        assert enqueue(store, ids, url, allow_private=True) == 0  # a delivered row stays delivered
        assert deliver(store).attempts == 0
        assert hook.accepted_ids() == {aid: 1 for aid in ids}
    assert enqueue(store, [], url, allow_private=True) == 0
    assert store.execute("SELECT count(*) FROM alert_deliveries").fetchall() == [(2,)]
    assert {v[:2] for v in deliveries(store).values()} == {("delivered", 1)}


def test_enqueue_refuses_unknown_alerts_and_writes_nothing(store):
    ids = store_alerts(store, [alert(1)])
    with pytest.raises(WebhookError, match="not in the store"):
        enqueue(store, [*ids, "nope"], "https://hooks.example.org/x")
    assert store.execute("SELECT count(*) FROM alert_deliveries").fetchall() == [(0,)]


@pytest.mark.parametrize("url", ["ftp://hooks.example.org/x", "file:///etc/passwd",
                                 "javascript:alert(1)", "hooks.example.org/alerts", "http://",
                                 "https://:443/x", "", "http://host:port/x", "gopher://127.0.0.1:70/"])
def test_a_non_http_webhook_is_refused(store, url):
    ids = store_alerts(store, [alert(1)])
    with pytest.raises(WebhookError, match="http"):
        check_webhook_url(url)
    with pytest.raises(WebhookError):
        enqueue(store, ids, url)
    assert store.execute("SELECT count(*) FROM alert_deliveries").fetchall() == [(0,)]


def test_http_and_https_webhooks_are_accepted():
    assert check_webhook_url("https://hooks.slack.com/services/T0/B0/XYZ")
    assert check_webhook_url("HTTP://127.0.0.1:8080/hook?token=1", allow_private=True)


def test_a_bad_url_written_around_enqueue_stays_pending_and_is_not_fetched(store):
    [aid] = store_alerts(store, [alert(1)])
    store.execute("INSERT INTO alert_deliveries (alert_id, webhook, status, attempts) "
                  "VALUES (?, 'file:///etc/passwd', 'pending', 0)", [aid])
    report = deliver(store)
    assert (report.delivered, report.still_pending, report.attempts) == (0, 1, 0)
    assert "only http:// and https://" in deliveries(store)[aid][2]


def test_shown_url_hides_what_may_be_a_key():
    assert shown_url("https://user:pw@hooks.slack.com/services/T0/B0/XYZ?token=abc#frag") == \
        "https://***@hooks.slack.com/services/***?***#***"
    assert shown_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
    assert shown_url("https://example.org") == "https://example.org"


# -- artifacts ---------------------------------------------------------------------------------


def test_alerts_markdown_counts_kinds_and_shows_exact_token_units():
    rows = [alert(1, amount=2_500_500_000, traced_amount=1_000_000_000, decimals=6, symbol="USDT"),
            alert(2, kind="deposit", amount=HUGE, decimals=None),
            alert(3, amount=7, decimals=18, symbol="ETH", detail="Label <b>|pwn|</b>")]
    text = alerts_markdown(rows, "pig-1", "pig-1:pass:2")
    assert "| outflow | 2 |" in text and "| deposit | 1 |" in text
    assert "**3 alerts**" in text
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    assert "2500.5 USDT (traced 1000 USDT)" in lines[0]
    assert "`0x" + "1".rjust(64, "0") + "`" in lines[0]
    assert f"{HUGE} base units" in lines[1]
    assert "0.000000000000000007 ETH" in lines[2]
    assert "<b>" not in text and "\\<b\\>" in text
    assert alerts_markdown([], "pig-1", "pig-1:pass:1").endswith("No new alerts in this pass.\n")


def test_alerts_table_is_json_able_with_amounts_as_strings():
    rows = alerts_table([alert(1, amount=HUGE, decimals=6, symbol="USDT"),
                         alert(2, amount=str(12345), traced_amount=None)])
    json.dumps(rows)
    assert rows[0]["amount"] == str(HUGE) and rows[0]["amount_units"] == f"{HUGE // 10**6}.{HUGE % 10**6:06d}"
    assert rows[1]["amount"] == "12345" and rows[1]["amount_units"] == ""
    assert rows[1]["traced_amount"] == "" and rows[0]["block_time"] == "2026-03-01T11:59:01Z"
    assert all(isinstance(v, str | int) for row in rows for v in row.values())
    assert artifact_key("alerts", "Pig_1:pass:2") == "alerts-pig-1-pass-2"


def test_artifacts_import_without_prefect():
    code = ("import sys, tracers.monitor.artifacts, tracers.monitor.deliver; "
            "assert not any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
