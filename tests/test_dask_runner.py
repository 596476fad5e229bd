"""Fetching on a Dask cluster (`--runner dask`): a live trace whose fetch tasks run on a local
cluster of two worker processes, through an explorer that fails a fifth of its requests, leaves the
same store as the thread runner: the same transfers, the same trace, nothing doubled."""

from __future__ import annotations

import shutil

import pytest
from distributed import LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin

from conftest import live_world, trace_snapshot
from fakes.explorer_server import ExplorerServer
from fakes.world import Faults
from tracers.store import connect

CASE = "DASK-1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return live_world(tmp_path_factory.mktemp("dask"), CASE, seed=23, victims=6, users=60, transfers=2000)


class Finished(SchedulerPlugin):
    """Counts the tasks the cluster's workers finished (the scheduler runs in this process)."""

    def __init__(self):
        self.keys: set = set()

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory":
            self.keys.add(key)


def stored(db) -> tuple[list, dict, int]:
    """Every stored transfer and checkpoint, the latest trace, and the rows stored twice."""
    con = connect(db)
    try:
        transfers = con.execute(
            "SELECT chain, asset, kind, tx_hash, position, block_number, from_address, to_address, "
            "CAST(amount AS VARCHAR) FROM transfers ORDER BY ALL").fetchall()
        doubled = con.execute("SELECT count(*) - count(DISTINCT (chain, tx_hash, kind, position)) "
                              "FROM transfers").fetchall()[0][0]
        run_id = con.execute("SELECT max(run_id) FROM trace_runs").fetchall()[0][0]
        return transfers, trace_snapshot(con, run_id), doubled
    finally:
        con.close()


def live_trace(folder, chain, db, **runner) -> dict:
    from flows.trace import trace_case as trace_case_flow

    shutil.copy(folder / "empty.duckdb", db)
    with ExplorerServer(chain, faults=Faults(share=0.2, seed=5, stall=1.5)) as server:
        result = trace_case_flow(case=CASE, source="explorer", explorer_url=server.url + "/v2/api",
                                 db=str(db), rate=500.0, timeout=0.5, **runner)
        result["faults"] = server.count() - server.count(None)
    return result


def test_dask_runner_leaves_the_store_the_thread_runner_leaves(prefect_server, world, tmp_path):
    folder, reference, chain = world
    threads = live_trace(folder, chain, tmp_path / "threads.duckdb", runner="threads")
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        done = Finished()
        cluster.scheduler.add_plugin(done)
        dask = live_trace(folder, chain, tmp_path / "dask.duckdb", runner="dask",
                          dask_address=cluster.scheduler_address)
    assert len(done.keys) >= dask["addresses_fetched"]  # the fetches ran on the cluster's workers
    assert threads["faults"] > 0 and dask["faults"] > 0
    assert dask["addresses_fetched"] == threads["addresses_fetched"] > 0
    by_threads, by_dask = stored(tmp_path / "threads.duckdb"), stored(tmp_path / "dask.duckdb")
    assert by_dask[2] == by_threads[2] == 0
    assert by_dask[0] == by_threads[0] and len(by_dask[0]) > 0
    assert by_dask[1] == by_threads[1] == reference


def test_an_unknown_runner_is_refused_before_any_fetch():
    from flows.tasks import fetch_runner
    from tracers.settings import SettingError

    with pytest.raises(SettingError, match="threads, dask"):
        fetch_runner("ray")
