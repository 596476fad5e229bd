"""Live tracing efficiency: requests made per live trace against the lower bound, a second trace
of the same case, and wall time under a 3 requests/s limit against requests / 3.

- Lower bound: one request per address fetched, per endpoint (txlist, tokentx, txlistinternal) and
  per 1,000-record page, plus the one head request. Goal: requests / lower bound <= 1.2.
- A second trace of the same case: requests for blocks already fetched (goal: 0).
- Wall time of a trace limited to 3 requests/s against requests / 3 (the limit's own floor).
- Fetch runners: the same trace through the trace_case flow with fetches on threads and on a
  local Dask cluster (2 worker processes): requests per second and requests / lower bound of each,
  against the in-process fetcher of the same run (BENCH_LIVE_RUNNERS=0 leaves this out).
The source is a local Etherscan-v2 server (tests/fakes) answering from a simulated world.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.explorer_server import ExplorerServer  # noqa: E402
from fakes.world import World  # noqa: E402
from tracers.cases import open_case  # noqa: E402
from tracers.intake import import_reports  # noqa: E402
from tracers.simulate import SimulationConfig, simulate  # noqa: E402
from tracers.sources.explorer import ExplorerSource  # noqa: E402
from tracers.sources.fetcher import Fetcher  # noqa: E402
from tracers.store import connect  # noqa: E402
from tracers.tags import import_tag_files  # noqa: E402
from tracers.trace import TraceParams, trace_case  # noqa: E402

CASE = "BENCH-LIVE"
ENDPOINTS = ("txlist", "tokentx", "txlistinternal")


def _case_store(folder: Path, world: Path) -> Path:
    db = folder / "empty.duckdb"
    con = connect(db)
    import_tag_files(con, [world / "tags.csv"])
    open_case(con, CASE)
    con.close()
    return db


def _trace(db: Path, world: World, reports: Path, rate: float,
           params: TraceParams | None = None) -> tuple[float, ExplorerServer, int]:
    with ExplorerServer(world) as server:
        source = ExplorerSource(server.url + "/v2/api", chain="ethereum",
                                session=requests.Session(), rate=rate)
        con = connect(db)
        fetcher = Fetcher(con, source, "ethereum")
        started = time.perf_counter()
        import_reports(con, CASE, reports, ensure={"ethereum": fetcher.ensure})
        trace_case(con, CASE, params, ensure={"ethereum": fetcher.ensure})
        elapsed = time.perf_counter() - started
        fetched = con.execute("SELECT count(*) FROM fetch_checkpoints").fetchall()[0][0]
        con.close()
    return elapsed, server, fetched


def _lower_bound(world: World, server: ExplorerServer) -> int:
    addresses = {r.params["address"].lower() for r in server.requests if r.params.get("module") == "account"}
    pages = 0
    for address in addresses:
        for rows in (world.txs_of(address), world.transfers_of(address), world.internals_of(address)):
            pages += max(1, math.ceil(len(rows) / 1000))
    return pages + 1  # + the head


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        simulate(folder / "world", SimulationConfig(seed=31, victims=12, users=150, transfers=6000))
        world = World.load(folder / "world")
        empty = _case_store(folder, folder / "world")
        reports = folder / "world" / "reports.csv"

        db = folder / "fast.duckdb"
        shutil.copy(empty, db)
        elapsed, server, fetched = _trace(db, world, reports, rate=1000.0)
        made, bound = len(server.requests), _lower_bound(world, server)
        again_elapsed, again, _ = _trace(db, world, reports, rate=1000.0)
        repeated = sum(1 for r in again.requests if r.params.get("module") == "account")

        small = folder / "limited.duckdb"
        shutil.copy(empty, small)
        limited_s, limited, _ = (  # a shorter trace (2 hops): at 3 requests/s every request counts
            _trace(small, world, reports, rate=3.0, params=TraceParams(hops=2))
            if _want_limited() else (0, None, 0)
        )

        runners = _compare_runners(folder, empty, world, reports, elapsed, made, bound) if _want("RUNNERS") else []

    print(f"live trace via a local Etherscan-v2 server: {fetched} addresses fetched")
    print(f"  requests made                {made:8d}")
    print(f"  lower bound (addr x endpoint x page + head) {bound:5d}")
    print(f"  ratio made / lower bound     {made / bound:8.2f}x  (goal <= 1.2x)")
    print(f"  second trace of the case: {repeated} account requests ({again_elapsed:.1f} s; goal 0)")
    if limited is not None:
        floor = len(limited.requests) / 3.0
        print(f"  at 3 requests/s (2 hops): {limited_s:.1f} s for {len(limited.requests)} requests; "
              f"floor requests/3 = {floor:.1f} s; ratio {limited_s / floor:.2f}x")


    if runners:
        print("  fetch runners (the trace_case flow; in-process: the library's fetcher, the baseline):")
        print(f"    {'runner':<22} {'requests':>8} {'seconds':>8} {'req/s':>8} {'vs in-process':>13} "
              f"{'made/lower bound':>16}")
        base = runners[0][3]
        for name, requests_made, seconds, per_second, lower in runners:
            print(f"    {name:<22} {requests_made:8d} {seconds:8.1f} {per_second:8.1f} "
                  f"{per_second / base:12.2f}x {requests_made / lower:15.2f}x")


def _compare_runners(folder: Path, empty: Path, world: World, reports: Path, elapsed: float, made: int,
                     bound: int) -> list[tuple]:
    """The trace through the flow on each runner, seeds imported first (not counted)."""
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from distributed import LocalCluster
    from prefect.testing.utilities import prefect_test_harness

    rows = [("in-process (library)", made, elapsed, made / elapsed, bound)]
    with prefect_test_harness(server_startup_timeout=120):
        rows.append(_flow_run(folder, empty, world, reports, "threads (8)", runner="threads"))
        with LocalCluster(n_workers=2, threads_per_worker=4, processes=True, dashboard_address=None) as cluster:
            rows.append(_flow_run(folder, empty, world, reports, "dask (2 processes)", runner="dask",
                                  dask_address=cluster.scheduler_address))
    return rows


def _flow_run(folder: Path, empty: Path, world: World, reports: Path, name: str, **runner) -> tuple:
    from flows.trace import trace_case as trace_case_flow

    db = folder / f"{runner['runner']}.duckdb"
    shutil.copy(empty, db)
    con = connect(db)
    with ExplorerServer(world) as server:  # the seeds, checked against their payments (not counted)
        source = ExplorerSource(server.url + "/v2/api", chain="ethereum", session=requests.Session(), rate=1000.0)
        import_reports(con, CASE, reports, ensure={"ethereum": Fetcher(con, source, "ethereum")})
    con.close()
    with ExplorerServer(world) as server:
        started = time.perf_counter()
        trace_case_flow(case=CASE, source="explorer", explorer_url=server.url + "/v2/api", db=str(db),
                        rate=1000.0, **runner)
        seconds = time.perf_counter() - started
        made = len(server.requests)
        lower = _lower_bound(world, server)
    return name, made, seconds, made / seconds, lower


def _want_limited() -> bool:
    return _want("LIMITED")


def _want(part: str) -> bool:
    import os

    return os.environ.get(f"BENCH_LIVE_{part}", "1") != "0"


if __name__ == "__main__":
    main()
