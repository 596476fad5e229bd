"""Trace quality: the whole CLI path on simulated worlds, scored against each world's truth.json.

For each world: `tracers simulate`, `import etl`, `tags import --builtin`, `case open`, `reports
import` (exit code 3 expected: some reports are wrong on purpose), `trace --case`, `export
subpoena`, `export addresses`, each a subprocess of the installed CLI on a store of its own; then
`tracers.evaluate.score`. Prints one line per world and a last line with the worst of each figure
(the minimum of each share, the maximum of each count). A step that fails prints its stderr and the
run goes on; a world without exports is listed as not scored.

Worlds: the defaults (seed 7) and seeds 11, 23, 42 at growing sizes; BENCH_WORLDS picks others as
`seed:victims:transfers[:users],...`. BENCH_KEEP=DIR keeps the worlds, stores and exports there;
BENCH_DETAILS=1 prints each world's table with the addresses behind every miss.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tracers.evaluate import AT_LEAST, NONE_ALLOWED, EvaluationError, Scores, format_scores, score

CASE = "BENCH-EVAL-1"
STEP_TIMEOUT = 3600  # seconds
STDERR_TAIL = 20  # lines of a failed step's stderr to print


@dataclass(frozen=True)
class World:
    seed: int
    victims: int
    transfers: int
    users: int = 400

    @property
    def label(self) -> str:
        return f"seed {self.seed} v{self.victims} t{self.transfers // 1000}k"


WORLDS = (
    World(seed=7, victims=40, transfers=20_000),  # the defaults
    World(seed=11, victims=30, transfers=20_000, users=300),
    World(seed=23, victims=60, transfers=60_000, users=600),
    World(seed=42, victims=120, transfers=150_000, users=1200),
)

# column title -> Scores attribute; shares first, then counts.
SHARES = {
    "dep P": "deposit_precision",
    "dep R": "deposit_recall",
    "perp P": "perpetrator_precision",
    "perp R": "perpetrator_recall",
    "disc R": "discovered_victim_recall",
    "5% share": "traced_within_5pct_share",
}
COUNTS = {"swallowed": "services_swallowed", "leaks": "subpoena_leaks"}


@dataclass(frozen=True)
class Result:
    world: World
    scores: Scores | None
    note: str  # why it was not scored, or the targets it misses
    trace_seconds: float | None


def worlds_from_env(text: str | None) -> tuple[World, ...]:
    """`seed:victims:transfers[:users],...` -> worlds; empty or unset -> WORLDS."""
    if not text:
        return WORLDS
    worlds = []
    for item in text.split(","):
        numbers = [int(n) for n in item.split(":")]
        if len(numbers) not in (3, 4):
            raise SystemExit(f"BENCH_WORLDS item {item!r}: write seed:victims:transfers[:users], e.g. 11:30:20000")
        worlds.append(World(*numbers))
    return tuple(worlds)


def steps(world: World, folder: Path) -> list[tuple[str, list[str], set[int]]]:
    """(name, CLI arguments, exit codes that mean it worked) for one world, in order."""
    data = str(folder / "world")
    return [
        ("simulate", ["simulate", data, "--seed", str(world.seed), "--victims", str(world.victims),
                      "--users", str(world.users), "--transfers", str(world.transfers)], {0}),
        ("import etl", ["import", "etl", data, "--chain", "ethereum"], {0}),
        ("tags import", ["tags", "import", "--builtin", f"{data}/tags.csv"], {0}),
        ("case open", ["case", "open", CASE, "--title", f"bench {world.label}"], {0}),
        ("reports import", ["reports", "import", f"{data}/reports.csv", "--case", CASE], {0, 3}),
        ("trace", ["trace", "--case", CASE], {0}),
        ("export subpoena", ["export", "subpoena", "--case", CASE, "--out", str(folder / "subpoena")], {0}),
        ("export addresses", ["export", "addresses", "--case", CASE, "--out", str(folder / "addresses.csv")], {0}),
    ]


def run_world(world: World, folder: Path) -> Result:
    """Every step of the CLI path, then the score; a failed step is printed and the run goes on."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    cli = [sys.executable, "-m", "tracers.cli", "--db", str(folder / "store.duckdb")]
    trace_seconds = None
    for name, args, ok_codes in steps(world, folder):
        started = time.perf_counter()
        try:
            done = subprocess.run([*cli, *args], cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=STEP_TIMEOUT)
            code, stderr = done.returncode, done.stderr
        except subprocess.TimeoutExpired as exc:
            code, stderr = None, f"timed out after {STEP_TIMEOUT} s\n{exc.stderr or ''}"
        if name == "trace":
            trace_seconds = time.perf_counter() - started
        if code not in ok_codes:
            tail = "\n".join(f"    {line}" for line in (stderr or "").strip().splitlines()[-STDERR_TAIL:])
            print(f"  {world.label}: `tracers {' '.join(args[:2])}` failed (exit {code}):\n{tail}", flush=True)
            if name == "simulate":
                return Result(world, None, "simulate failed", None)
    return _score(world, folder, trace_seconds)


def _score(world: World, folder: Path, trace_seconds: float | None) -> Result:
    addresses = _addresses_csv(folder / "addresses.csv")
    try:
        truth = json.loads((folder / "world" / "truth.json").read_text())
        scores = score(truth, addresses, folder / "subpoena")
    except EvaluationError as exc:
        return Result(world, None, f"not scored: {exc}", trace_seconds)
    missed = [name for name, met in scores.meets_targets().items() if not met]
    return Result(world, scores, "misses " + ", ".join(missed) if missed else "all targets met", trace_seconds)


def _addresses_csv(path: Path) -> Path:
    """The export's addresses CSV, whether --out named the file or a folder it wrote into."""
    if path.is_dir():
        inside = path / "addresses.csv"
        found = sorted(path.glob("*.csv"))
        return inside if inside.exists() or not found else found[0]
    return path


def summary_table(results: list[Result]) -> str:
    """One line per world and a last line with the worst of each figure."""
    titles = ["world", *SHARES, *COUNTS, "trace s", "targets"]
    rows = []
    for r in results:
        if r.scores is None:
            rows.append([r.world.label, *["-"] * (len(SHARES) + len(COUNTS)), _seconds(r.trace_seconds), "not scored"])
            continue
        rows.append([
            r.world.label,
            *[f"{getattr(r.scores, attr):.3f}" for attr in SHARES.values()],
            *[str(len(getattr(r.scores, attr))) for attr in COUNTS.values()],
            _seconds(r.trace_seconds),
            f"{sum(r.scores.meets_targets().values())}/{len(AT_LEAST) + len(NONE_ALLOWED)}",
        ])
    scored = [r.scores for r in results if r.scores is not None]
    if scored:
        rows.append([
            f"worst of {len(scored)}",
            *[f"{min(getattr(s, attr) for s in scored):.3f}" for attr in SHARES.values()],
            *[str(max(len(getattr(s, attr)) for s in scored)) for attr in COUNTS.values()],
            "", "",
        ])
    targets = ["target", *[f">={AT_LEAST[attr]}" for attr in SHARES.values()], *["0"] * len(COUNTS), "", ""]
    widths = [max(len(row[i]) for row in [titles, targets, *rows]) for i in range(len(titles))]
    lines = [titles, targets, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    worlds = worlds_from_env(os.environ.get("BENCH_WORLDS"))
    keep = os.environ.get("BENCH_KEEP")
    with tempfile.TemporaryDirectory(prefix="tracers-eval-") as tmp:
        root = Path(keep) if keep else Path(tmp)
        results = []
        for world in worlds:
            print(f"trace quality: {world.label} ({world.users} users) ...", flush=True)
            result = run_world(world, root / f"seed{world.seed}-v{world.victims}-t{world.transfers}")
            print(f"  {world.label}: {result.note}", flush=True)
            if result.scores is not None and os.environ.get("BENCH_DETAILS"):
                print(format_scores(result.scores, details=True), flush=True)
            results.append(result)
    print(f"trace quality against truth.json ({len(worlds)} worlds; the last line is the worst: min of each "
          "share, max of each count)")
    print(summary_table(results))


if __name__ == "__main__":
    main()
