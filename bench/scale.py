"""Cost follows the case, not the chain: the same scam traced in a small world and in a large one.

Goal (issue): `trace_case` on the scam embedded in a world of >= 5M transfers within 2x of the
same trace in a world of ~60k. The simulator's scam does not depend on the background's size
(`transfers`, `users`), so both worlds share one seed and victim count and hold the same scam; the
benchmark checks that in their truth.json and says so (tx hashes and log indexes aside: they follow
from how the background packs the blocks; and the services the scam pays, named by kind: their
addresses are drawn after the users). Only the trace is timed: the median of 3 runs of
`trace_case` on the store (each a new trace run). Alongside: bench/naive.py, the tracer a developer
writes first (every transfer into Python, a breadth-first search), timed on the same stores; both
scored against truth.json (perpetrators, deposit addresses); then one more trace on a connection
that times each SQL statement, to show where the time goes.

Worlds and stores are cached in BENCH_DIR (default bench/out, `scale-*`; delete them after the
simulator changes), reused when present: the 5M world takes ~30 s to simulate, ~40 s to import and
~4 GB of disk. Sizes: BENCH_SCALE_SMALL (default 60,000) and BENCH_SCALE_LARGE (default 5,000,000)
transfers, users = transfers / 100 (at least 400). BENCH_NAIVE_LARGE=0 skips the naive tracer on
the large world (it holds every transfer in memory, ~2 GB for 5M; it is also skipped when that
memory is not available). BENCH_SCALE_PROFILE=0 skips the profiled trace.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.naive import counts, load_graph, naive_trace, scam_addresses, truth_sets
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.evaluate import Counts
from tracers.intake import import_reports
from tracers.simulate import SimulationConfig, simulate
from tracers.store import connect
from tracers.tags import builtin_tag_files, import_tag_files
from tracers.trace import TraceParams, trace_case

CASE = "BENCH-SCALE-1"
SEED, VICTIMS = 23, 60
ROUNDS = 3
GOAL = 2.0
NAIVE_BYTES_PER_TRANSFER = 500  # peak of load_graph: ~430 measured on the 5M world
PROFILE_TOP = 8  # statements listed per world
TRUTH_PARTS = ("clusters", "perpetrators", "scam_deposits")
PLACEMENT = frozenset({"tx_hash", "log_index"})  # where the background packs the scam's transfers


@dataclass(frozen=True)
class Spec:
    name: str
    transfers: int

    @property
    def users(self) -> int:
        return max(400, self.transfers // 100)

    @property
    def config(self) -> SimulationConfig:
        return SimulationConfig(seed=SEED, victims=VICTIMS, users=self.users, transfers=self.transfers)

    def folder(self, root: Path) -> Path:
        return root / f"scale-seed{SEED}-v{VICTIMS}-t{self.transfers}-u{self.users}"


@dataclass(frozen=True)
class Result:
    spec: Spec
    stored: int  # transfers in the store
    trace_seconds: float  # median of ROUNDS
    run_id: str
    perpetrators: Counts
    deposits: Counts
    naive: NaiveRow | None
    naive_note: str
    profile: Profile | None


@dataclass(frozen=True)
class NaiveRow:
    load_seconds: float
    search_seconds: float
    reached: int
    perpetrators: Counts
    deposits: Counts

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.search_seconds


@dataclass(frozen=True)
class Profile:
    total: float
    statements: dict[str, tuple[int, float]]  # name -> (calls, seconds, fetching included)


# ---------------------------------------------------------------- worlds and stores

def world(spec: Spec, root: Path) -> Path:
    folder = spec.folder(root) / "world"
    if not (folder / "truth.json").exists():
        print(f"  simulating {spec.name}: {spec.transfers:,} transfers, {spec.users:,} users into {folder} ...",
              flush=True)
        started = time.perf_counter()
        simulate(folder, spec.config)
        print(f"  simulated in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def store(spec: Spec, root: Path, data: Path) -> Path:
    """The world imported, tagged, with the case open and its reports in; built once, then reused."""
    path = spec.folder(root) / "store.duckdb"
    if path.exists():
        return path
    partial = path.with_name("store.partial.duckdb")
    for stale in (partial, partial.with_name(partial.name + ".wal")):
        stale.unlink(missing_ok=True)
    print(f"  building the store {path} ...", flush=True)
    started = time.perf_counter()
    con = connect(partial)
    try:
        import_etl(con, data, "ethereum")
        tags = import_tag_files(con, builtin_tag_files() + [data / "tags.csv"])
        failed = [f"{item.path.name}: {item.error}" for item in tags.files if item.error is not None]
        if failed:
            raise SystemExit("tags import failed: " + "; ".join(failed))
        open_case(con, CASE, f"bench scale {spec.name}")
        reports = import_reports(con, CASE, data / "reports.csv")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(partial, path)
    print(f"  stored in {time.perf_counter() - started:.0f} s: {reports.accepted} reports accepted, "
          f"{reports.refused} refused (on purpose)", flush=True)
    return path


def scam_parts(truth: dict) -> dict:
    """The scam of a truth.json without where the background placed its transfers, and with the
    services it pays (OTC desk, merchant, gas rental, mixer) named by kind: their addresses are
    drawn after the users, so they differ between worlds of different `users`."""
    services = {s["address"]: f"<{s['kind']}>" for s in truth["services"]}
    services |= {s["deposit_address"]: f"<{s['kind']} deposit>" for s in truth["services"] if s.get("deposit_address")}
    if truth.get("mixer"):
        services[truth["mixer"]] = "<mixer>"
    return {part: _canonical(truth[part], services) for part in TRUTH_PARTS}


def _canonical(value, services: dict[str, str]):
    if isinstance(value, dict):
        return {k: _canonical(v, services) for k, v in value.items() if k not in PLACEMENT}
    if isinstance(value, list):
        return [_canonical(v, services) for v in value]
    return services.get(value, value) if isinstance(value, str) else value


# ---------------------------------------------------------------- the measures

def run_world(spec: Spec, root: Path, run_naive: bool, profile: bool) -> tuple[Result, dict]:
    data = world(spec, root)
    truth = json.loads((data / "truth.json").read_text())
    path = store(spec, root, data)
    con = connect(path)
    try:
        stored = con.execute("SELECT count(*) FROM transfers").fetchall()[0][0]
        times, run_id = [], ""
        for _ in range(ROUNDS):
            started = time.perf_counter()
            run_id = trace_case(con, CASE).run_id
            times.append(time.perf_counter() - started)
        print(f"  {spec.name}: trace {', '.join(f'{t:.2f}' for t in times)} s", flush=True)
        perpetrators, deposits = truth_sets(truth)
        roles = _roles(con, run_id)
        naive, note = (None, "skipped (BENCH_NAIVE_LARGE=0)")
        if run_naive:
            naive, note = _naive(con, stored, perpetrators, deposits)
        result = Result(
            spec=spec, stored=stored, trace_seconds=statistics.median(times), run_id=run_id,
            perpetrators=counts(roles.get("perpetrator", ()), perpetrators),
            deposits=counts(roles.get("deposit_wallet", ()), deposits),
            naive=naive, naive_note=note,
            profile=_profile(con) if profile else None,
        )
    finally:
        con.close()
    return result, truth


def _roles(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, set[str]]:
    roles: dict[str, set[str]] = defaultdict(set)
    for role, address in con.execute("SELECT role, address FROM trace_addresses WHERE run_id = ?", [run_id]).fetchall():
        roles[role].add(address)
    return roles


def _naive(con, stored: int, perpetrators: set[str], deposits: set[str]) -> tuple[NaiveRow | None, str]:
    needed, available = stored * NAIVE_BYTES_PER_TRANSFER, _available_memory()
    if available is not None and needed > available:
        return None, f"skipped: needs ~{needed / 1e9:.1f} GB, {available / 1e9:.1f} GB available"
    graph = load_graph(con)
    found = naive_trace(graph, scam_addresses(con, CASE), TraceParams().hops)
    row = NaiveRow(graph.seconds, found.seconds, len(found.reached),
                   counts(found.perpetrators, perpetrators), counts(found.deposits, deposits))
    print(f"  naive: load {row.load_seconds:.2f} s ({graph.rows:,} transfers), search {row.search_seconds:.2f} s, "
          f"{row.reached:,} addresses reached", flush=True)
    del graph, found
    return row, ""


def _available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- where the time goes

_NAME = re.compile(r"--\s*name:\s*(\S+)")


def statement_name(query: str) -> str:
    """A SQL file's `-- name:`, else the statement's start."""
    named = _NAME.search(query)
    if named:
        return named.group(1) + ".sql"
    text = " ".join(query.split())
    text = re.sub(r"\s*\(address VARCHAR PRIMARY KEY\)$", "", text)
    return text if len(text) <= 60 else text[:57] + "..."


class TimedConnection:
    """A DuckDB connection that adds up the time of each statement, fetching its rows included."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self.spent: dict[str, list] = defaultdict(lambda: [0, 0.0])

    def execute(self, query, parameters=None):
        name = statement_name(query)
        started = time.perf_counter()
        result = self._con.execute(query, parameters)
        self.add(name, started, calls=1)
        return _TimedResult(result, self, name)

    def add(self, name: str, started: float, calls: int = 0) -> None:
        self.spent[name][0] += calls
        self.spent[name][1] += time.perf_counter() - started

    def __getattr__(self, attribute):
        return getattr(self._con, attribute)


class _TimedResult:
    def __init__(self, result, owner: TimedConnection, name: str):
        self._result, self._owner, self._name = result, owner, name

    def __getattr__(self, attribute):
        value = getattr(self._result, attribute)
        if not (attribute.startswith("fetch") and callable(value)):
            return value

        def timed(*args, **kwargs):
            started = time.perf_counter()
            rows = value(*args, **kwargs)
            self._owner.add(self._name, started)
            return rows

        return timed


def _profile(con: duckdb.DuckDBPyConnection) -> Profile:
    """One more trace, on a connection that times each statement."""
    timed = TimedConnection(con)
    started = time.perf_counter()
    trace_case(timed, CASE)  # type: ignore[arg-type]
    total = time.perf_counter() - started
    return Profile(total, {name: (calls, seconds) for name, (calls, seconds) in timed.spent.items()})


# ---------------------------------------------------------------- output

def _pr(c: Counts) -> str:
    return f"{c.precision:.3f}/{c.recall:.3f}"


def table(results: list[Result]) -> str:
    titles = ["world", "transfers", "tracers s", "naive s (load + bfs)", "tracers perp P/R", "tracers dep P/R",
              "naive perp P/R", "naive dep P/R", "naive reached"]
    rows = []
    for r in results:
        n = r.naive
        rows.append([
            f"{r.spec.name} ({r.spec.users:,} users)", f"{r.stored:,}", f"{r.trace_seconds:.2f}",
            f"{n.seconds:.2f} ({n.load_seconds:.2f} + {n.search_seconds:.2f})" if n else r.naive_note,
            _pr(r.perpetrators), _pr(r.deposits),
            _pr(n.perpetrators) if n else "-", _pr(n.deposits) if n else "-",
            f"{n.reached:,}" if n else "-",
        ])
    widths = [max(len(row[i]) for row in [titles, *rows]) for i in range(len(titles))]
    lines = [titles, ["-" * w for w in widths], *rows]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


def profile_table(small: Result, large: Result) -> str:
    """The statements that take the most of the large world's trace, beside the small world's."""
    ps, pl = small.profile, large.profile
    assert ps is not None and pl is not None
    names = sorted(pl.statements, key=lambda n: -pl.statements[n][1])[:PROFILE_TOP]
    sql_s = sum(sec for _, sec in ps.statements.values())
    sql_l = sum(sec for _, sec in pl.statements.values())
    titles = ["statement", "calls", f"{small.spec.name} s", f"{large.spec.name} s", "L/S",
              f"share of {large.spec.name}"]
    rows = []
    for name in names:
        calls, seconds = pl.statements[name]
        small_seconds = ps.statements.get(name, (0, 0.0))[1]
        rows.append([name, str(calls), f"{small_seconds:.3f}", f"{seconds:.3f}",
                     f"{seconds / small_seconds:.1f}x" if small_seconds else "-", f"{seconds / pl.total:.0%}"])
    rows.append(["all SQL", str(sum(c for c, _ in pl.statements.values())), f"{sql_s:.3f}", f"{sql_l:.3f}",
                 f"{sql_l / sql_s:.1f}x" if sql_s else "-", f"{sql_l / pl.total:.0%}"])
    rows.append(["python (propagate, classify, record)", "", f"{ps.total - sql_s:.3f}", f"{pl.total - sql_l:.3f}",
                 f"{(pl.total - sql_l) / (ps.total - sql_s):.1f}x" if ps.total > sql_s else "-",
                 f"{(pl.total - sql_l) / pl.total:.0%}"])
    widths = [max(len(row[i]) for row in [titles, *rows]) for i in range(len(titles))]
    lines = [titles, ["-" * w for w in widths], *rows]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


def main() -> None:
    root = Path(os.environ.get("BENCH_DIR", "bench/out"))
    small = Spec("S", int(os.environ.get("BENCH_SCALE_SMALL", "60000")))
    large = Spec("L", int(os.environ.get("BENCH_SCALE_LARGE", "5000000")))
    naive_large = os.environ.get("BENCH_NAIVE_LARGE", "1") != "0"
    profile = os.environ.get("BENCH_SCALE_PROFILE", "1") != "0"
    print(f"scale: the same scam (seed {SEED}, {VICTIMS} victims) in {small.transfers:,} and "
          f"{large.transfers:,} transfers ...", flush=True)
    results, truths = [], []
    for spec, run_naive in ((small, True), (large, naive_large)):
        result, truth = run_world(spec, root, run_naive, profile)
        results.append(result)
        truths.append(truth)
    small_r, large_r = results
    same = scam_parts(truths[0]) == scam_parts(truths[1])
    differing = [p for p in TRUTH_PARTS if scam_parts(truths[0])[p] != scam_parts(truths[1])[p]]

    print(f"scale: trace_case on the same scam in two worlds (trace: median of {ROUNDS}; naive: once; "
          "P/R against truth.json)")
    print(f"  same scam in both (truth.json {', '.join(TRUTH_PARTS)}; tx hashes and log indexes aside, "
          "services by kind): "
          + ("yes" if same else f"NO, {', '.join(differing)} differ"))
    print(table(results))
    print(f"  transfers L/S          {large_r.stored / small_r.stored:8.1f}x")
    print(f"  tracers trace L/S      {large_r.trace_seconds / small_r.trace_seconds:8.2f}x  (goal <= {GOAL:g}x)")
    if small_r.naive and large_r.naive:
        print(f"  naive L/S              {large_r.naive.seconds / small_r.naive.seconds:8.2f}x")
    for r in results:
        if r.naive:
            print(f"  naive / tracers in {r.spec.name}   {r.naive.seconds / r.trace_seconds:8.2f}x")
    if small_r.profile and large_r.profile:
        print(f"  where the trace's time goes (one more profiled run each: {small_r.profile.total:.2f} s in S, "
              f"{large_r.profile.total:.2f} s in L; statements by their time in L, fetching included)")
        print(profile_table(small_r, large_r))


if __name__ == "__main__":
    main()
