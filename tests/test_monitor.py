"""Monitoring passes: the first records a baseline, a later one alerts on exactly what changed,
and a repeated pass alerts on nothing (an event never alerts twice)."""

from __future__ import annotations

from collections import Counter

from conftest import MiniChain, write_csv
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.monitor.pass_ import list_alerts, run_pass
from tracers.monitor.watch import add_monitor, list_monitors, remove_monitor
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.tags import import_tag_files

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CASE = "MON-1"


def addr(n: int) -> str:
    return "0x" + f"{n:040x}"


VICTIM, SCAM, HOP, DEPOSIT, HOT, DEPOSIT2, MIXER = (addr(n) for n in (1, 2, 3, 4, 5, 6, 7))


def test_a_pass_alerts_on_exactly_what_changed_and_a_repeat_on_nothing(con, tmp_path):
    first = MiniChain(tmp_path / "before")
    pay, _ = first.pay_token(USDT, VICTIM, SCAM, 1_000_000_000)
    first.new_block()
    first.pay_token(USDT, SCAM, HOP, 900_000_000)
    first.new_block()
    first.pay_token(USDT, HOP, DEPOSIT, 850_000_000)
    first.new_block()
    first.pay_token(USDT, DEPOSIT, HOT, 850_000_000)
    import_etl(con, first.write())
    tags = tmp_path / "tags.csv"
    tags.write_text("address,label,category,actor\n"
                    f"{HOT},Binance 14,exchange,binance\n{MIXER},Tornado Cash,mixing_service,tornado\n")
    assert import_tag_files(con, [tags]).ok
    open_case(con, CASE)
    report = {"report_id": "R1", "reported_at": "2026-02-01", "chain": "ethereum", "asset": "USDT",
              "tx_hash": pay, "victim_address": VICTIM, "scam_address": SCAM, "amount": "1000"}
    assert import_reports(con, CASE, write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), [report])).accepted == 1
    assert add_monitor(con, CASE) == [CASE]
    assert [m["monitor_id"] for m in list_monitors(con)] == [CASE]

    baseline = run_pass(con, CASE, min_at_rest_units=60)
    assert baseline.is_baseline and baseline.new_alerts == []

    later = MiniChain(tmp_path / "after", first_block=first.block + 100, first_tx=10_000)
    later.pay_token(USDT, VICTIM, SCAM, 500_000_000)
    later.new_block()
    out_scam, _ = later.pay_token(USDT, SCAM, HOP, 500_000_000)
    later.new_block()
    to_d2, _ = later.pay_token(USDT, HOP, DEPOSIT2, 480_000_000)
    to_mixer, _ = later.pay_token(USDT, HOP, MIXER, 20_000_000)
    later.new_block()
    later.pay_token(USDT, DEPOSIT2, HOT, 480_000_000)
    import_etl(con, later.write())

    second = run_pass(con, CASE, min_at_rest_units=60)
    kinds = Counter((a["kind"], a["tx_hash"]) for a in second.new_alerts)
    assert kinds == Counter({
        ("outflow", out_scam): 1, ("outflow", to_d2): 1, ("outflow", to_mixer): 1,
        ("funds_moving", out_scam): 1,  # SCAM held 100 USDT of victim money (HOP only 50)
        ("deposit", to_d2): 1, ("new_deposit_address", None): 1, ("mixer", to_mixer): 1,
    })
    new_deposit = next(a for a in second.new_alerts if a["kind"] == "new_deposit_address")
    assert new_deposit["address"] == DEPOSIT2 and new_deposit["related"] == "binance"
    assert all(a["evidence"] and a["detail"] for a in second.new_alerts)

    third = run_pass(con, CASE, min_at_rest_units=60)
    assert third.new_alerts == []
    assert len(list_alerts(con, CASE)) == len(second.new_alerts)

    remove_monitor(con, CASE)
    assert list_monitors(con) == []


def test_a_case_is_due_when_its_own_schedule_has_come_round(con):
    from datetime import UTC, datetime

    from tracers.monitor.watch import is_due, watched_cases

    assert is_due("0 * * * *", None, datetime(2026, 3, 1, 10, 5, tzinfo=UTC))
    assert not is_due("0 * * * *", datetime(2026, 3, 1, 10, 1, tzinfo=UTC), datetime(2026, 3, 1, 10, 59, tzinfo=UTC))
    assert is_due("0 * * * *", datetime(2026, 3, 1, 10, 1, tzinfo=UTC), datetime(2026, 3, 1, 11, 0, tzinfo=UTC))
    open_case(con, "DUE-1")
    add_monitor(con, "DUE-1", cron="0 6 * * *")
    assert watched_cases(con, only_due=True) == {"DUE-1": []}  # never passed: due
    con.execute("INSERT INTO monitor_passes VALUES ('DUE-1:pass:1', 'DUE-1', NULL, 'r', '{}', "
                "TIMESTAMPTZ '2026-03-01 06:30:00+00', TIMESTAMPTZ '2026-03-01 06:31:00+00', 0, NULL)")
    assert watched_cases(con, only_due=True, now=datetime(2026, 3, 1, 20, 0, tzinfo=UTC)) == {}
    assert watched_cases(con, only_due=True, now=datetime(2026, 3, 2, 6, 0, tzinfo=UTC)) == {"DUE-1": []}
    assert watched_cases(con) == {"DUE-1": []}
