"""The monitor_clusters flow: alerts published as Prefect artifacts and POSTed to a webhook that
fails at first; an alert whose delivery failed is delivered on a later pass, never lost."""

from __future__ import annotations

from conftest import MiniChain, write_csv
from fakes.webhook_server import WebhookServer
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.monitor.pass_ import list_alerts
from tracers.monitor.watch import add_monitor
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.store import connect
from tracers.tags import import_tag_files

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CASE = "MON-FLOW"


def addr(n: int) -> str:
    return "0x" + f"{n:040x}"


VICTIM, SCAM, HOP, DEPOSIT, HOT = (addr(0x2000 + n) for n in range(5))


def test_monitor_flow_publishes_and_delivers_every_alert(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.monitor import monitor_clusters

    db = tmp_path / "store.duckdb"
    first = MiniChain(tmp_path / "before")
    pay, _ = first.pay_token(USDT, VICTIM, SCAM, 1_000_000_000)
    first.new_block()
    first.pay_token(USDT, SCAM, HOP, 900_000_000)
    con = connect(db)
    import_etl(con, first.write())
    tags = tmp_path / "tags.csv"
    tags.write_text(f"address,label,category,actor\n{HOT},Binance 14,exchange,binance\n")
    assert import_tag_files(con, [tags]).ok
    open_case(con, CASE)
    report = {"report_id": "R1", "reported_at": "2026-02-01", "chain": "ethereum", "asset": "USDT",
              "tx_hash": pay, "victim_address": VICTIM, "scam_address": SCAM, "amount": "1000"}
    import_reports(con, CASE, write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), [report]))
    with WebhookServer(always_fail=True) as hook:
        add_monitor(con, CASE, webhook=hook.url + "/alerts?token=s3cret", allow_private_webhook=True)
        con.close()
        baseline = monitor_clusters(case=CASE, db=str(db))
        assert baseline[CASE]["baseline"] and baseline[CASE]["alerts"] == 0

        later = MiniChain(tmp_path / "after", first_block=first.block + 50, first_tx=9_000)
        later.pay_token(USDT, HOP, DEPOSIT, 850_000_000)
        later.new_block()
        later.pay_token(USDT, DEPOSIT, HOT, 850_000_000)
        con = connect(db)
        import_etl(con, later.write())
        con.close()

        failing = monitor_clusters(case=CASE, db=str(db))  # the receiver is down
        assert failing[CASE]["alerts"] == 3  # outflow, deposit, new deposit address
        assert failing["_deliveries"] == {"delivered": 0, "pending": 3}
        hook.recover()
        recovered = monitor_clusters(case=CASE, db=str(db))  # no new alert; the pending go out
        assert recovered[CASE]["alerts"] == 0
        assert recovered["_deliveries"] == {"delivered": 3, "pending": 0}
        con = connect(db)
        stored = {a["alert_id"] for a in list_alerts(con, CASE)}
        con.close()
        assert hook.accepted_ids() == {alert_id: 1 for alert_id in stored}
        assert all(r.json["alert_id"] == r.header("Idempotency-Key") for r in hook.accepted())

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    keys = {a.key for a in artifacts}
    assert any(k and "alerts" in k and "table" not in k for k in keys)
    assert any(k and k.endswith("table") for k in keys)
