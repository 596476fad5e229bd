"""The Prefect flows: a live trace through a local Etherscan-v2 server that fails 20 % of its
requests gives exactly the store trace's result; a killed trace resumes without doubling rows."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import live_world, trace_snapshot
from fakes.explorer_server import ExplorerServer
from fakes.world import Faults
from tracers.store import connect

CASE = "FLOW-1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small world, the store trace of its case (the reference), and an analyst's empty store."""
    return live_world(tmp_path_factory.mktemp("flows"), CASE, seed=17, victims=10, users=100, transfers=4000)


def latest(db):
    con = connect(db)
    try:
        run_id = con.execute("SELECT max(run_id) FROM trace_runs").fetchall()[0][0]
        dup = con.execute(
            "SELECT count(*) - count(DISTINCT (chain, tx_hash, kind, position)) FROM transfers"
        ).fetchall()[0][0]
        return trace_snapshot(con, run_id), dup
    finally:
        con.close()


def test_live_trace_through_a_faulty_explorer_equals_the_store_trace(prefect_server, world, tmp_path):
    from flows.trace import trace_case as trace_case_flow

    folder, reference, chain = world
    db = tmp_path / "live.duckdb"
    shutil.copy(folder / "empty.duckdb", db)
    with ExplorerServer(chain, faults=Faults(share=0.2, seed=3, stall=1.5)) as server:
        result = trace_case_flow(case=CASE, source="explorer", explorer_url=server.url + "/v2/api",
                                 db=str(db), rate=500.0, timeout=0.5)
        faults = server.count() - server.count(None)
    assert faults > 0
    assert result["addresses_fetched"] > 0
    got, doubled = latest(db)
    assert doubled == 0
    assert got == reference

    with ExplorerServer(chain) as server:  # a second pass: every address is fetched already
        trace_case_flow(case=CASE, source="explorer", explorer_url=server.url + "/v2/api",
                        db=str(db), rate=500.0)
        account_requests = sum(1 for r in server.requests if r.params.get("module") == "account")
    assert account_requests == 0


def test_a_killed_trace_resumes_to_the_same_result(prefect_server, world, tmp_path):
    folder, reference, chain = world
    db = tmp_path / "crash.duckdb"
    shutil.copy(folder / "empty.duckdb", db)
    from prefect.settings import PREFECT_API_URL

    # the CLI reports to the session's Prefect API instead of starting a temporary one
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_URL=PREFECT_API_URL.value())
    with ExplorerServer(chain) as server:
        command = [sys.executable, "-m", "tracers.cli", "--db", str(db), "trace", "--case", CASE,
                   "--source", "explorer", "--explorer-url", server.url + "/v2/api", "--rate", "40"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.count() < 60 and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, "the trace finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        con = connect(db)
        fetched = con.execute("SELECT count(*) FROM fetch_checkpoints").fetchall()[0][0]
        runs = con.execute("SELECT count(*) FROM trace_runs").fetchall()[0][0]
        con.close()
        assert fetched > 0 and runs == 0  # some fetches landed whole; no half run
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    got, doubled = latest(db)
    assert doubled == 0
    assert got == reference
