"""Tracing live: the store starts empty, the trace fetches what it reaches; the result is the
same as tracing the full store, and a second trace fetches nothing it already has."""

from __future__ import annotations

import shutil

import pytest

from conftest import forget_chain_data, trace_snapshot, traced_world
from fakes.store_source import StoreSource
from tracers.intake import import_reports
from tracers.sources.fetcher import Fetcher
from tracers.store import connect
from tracers.trace import trace_case

CASE = "LIVE-1"


@pytest.fixture(scope="module")
def full_store(tmp_path_factory):
    """A simulated world imported whole, traced over the store: the reference."""
    folder = tmp_path_factory.mktemp("live")
    reference = traced_world(folder, CASE, seed=13, victims=15, users=150, transfers=8000)
    return folder, reference


def live_store(folder, name):
    """An empty store with only what an analyst has: tags, the case and its reports' seeds."""
    shutil.copy(folder / "full.duckdb", folder / name)
    con = connect(folder / name)
    forget_chain_data(con)
    return con


def test_live_trace_equals_the_store_trace(full_store):
    folder, reference = full_store
    con = live_store(folder, "live.duckdb")
    source = StoreSource(folder / "full.duckdb")
    fetcher = Fetcher(con, source, "ethereum")
    run = trace_case(con, CASE, ensure={"ethereum": fetcher.ensure})
    live = trace_snapshot(con, run.run_id)
    assert live[0] == reference[0], _diff(live[0], reference[0])
    assert live[1] == reference[1], _diff(live[1], reference[1])
    stored = con.execute("SELECT count(*), count(DISTINCT (chain, tx_hash, kind, position)) FROM transfers").fetchall()[0]
    assert stored[0] == stored[1]  # nothing doubled
    mirror = con.execute("SELECT count(*) FROM (SELECT * FROM transfers EXCEPT ALL SELECT * FROM transfers_to)").fetchall()
    assert mirror == [(0,)] and con.execute("SELECT count(*) FROM transfers_to").fetchall()[0][0] == stored[0]
    total = source.con.execute("SELECT count(*) FROM transfers").fetchall()[0][0]
    assert stored[0] < total  # the trace fetched what it reached, not the chain

    fetched_before = len(source.fetched)
    again = trace_case(con, CASE, ensure={"ethereum": Fetcher(con, source, "ethereum").ensure})
    assert len(source.fetched) == fetched_before  # checkpoints: nothing fetched twice
    assert trace_snapshot(con, again.run_id) == reference
    con.close()


def _diff(a, b):
    return sorted(set(a) - set(b)), sorted(set(b) - set(a))


def test_reports_are_verified_against_the_live_source_when_the_store_lacks_them(full_store):
    folder, _ = full_store
    con = live_store(folder, "intake.duckdb")
    con.execute("DELETE FROM seeds")
    con.execute("DELETE FROM reports")
    offline = import_reports(con, CASE, folder / "world" / "reports.csv")
    assert offline.accepted == 0  # nothing in the store: every transaction is unknown
    source = StoreSource(folder / "full.duckdb")
    live = import_reports(con, CASE, folder / "world" / "reports.csv",
                          ensure={"ethereum": Fetcher(con, source, "ethereum").ensure})
    reference = connect_read(folder / "full.duckdb").execute(
        "SELECT count(*) FROM reports WHERE status = 'accepted'").fetchall()[0][0]
    assert live.accepted == reference > 0
    con.close()


def connect_read(path):
    import duckdb

    return duckdb.connect(str(path), read_only=True)
