"""Trace quality: the whole CLI path on simulated worlds, scored against each world's truth.json.

For each world: `tracers simulate` (`--confounders random` for a confounder world), `import etl`,
`tags import --builtin`, `case open`, `reports import` (exit code 3 expected: some reports are
wrong on purpose), `trace --case`, `export subpoena`, `export addresses`, each a subprocess of the
installed CLI on a store of its own; then `tracers.evaluate.score` and `score_by_confounder`.

Prints one line per world (with the confounders it switched on), then the worst of each figure
(the minimum of each share, the maximum of each count) over the default worlds, over the
confounder worlds and over all; then a table per confounder over the confounder worlds
(bench/confounder_table.py: the worlds it was on, how many of those miss a target, and for each
figure over what it touched the worst world's value, with its seed, and the mean); then the worst
world with the targets it misses. A step that fails prints its stderr and the run goes on; a world
without exports is listed as not scored.

Worlds:
- the defaults (seed 7) and seeds 11, 23, 42 at growing sizes, no confounders; BENCH_WORLDS picks
  others as `seed:victims:transfers[:users],...` (`none`: no such world);
- 30 confounder worlds, seeds 100..129: `tracers simulate --seed N --confounders random`, each
  confounder on with probability 1/2 in a small world (10-25 victims, 3,000-6,000 transfers), all
  drawn with the seed; BENCH_CONFOUNDER_SEEDS picks others as `100-129`, `100,105` or `100-104,110`
  (`none`: no confounder world).
Seeds 100..135 are the development worlds: the rules were written while looking at their misses
(and at a world from another generator), so their figures are not evidence of generalisation.
Seeds 200..229 are held out: no rule or default is changed after looking at them; `make test` runs
them (tests/test_accuracy.py), and BENCH_CONFOUNDER_SEEDS=200-229 prints their table here.

BENCH_KEEP=DIR keeps the worlds, stores and exports there; BENCH_DETAILS=1 prints each world's
table with the addresses behind every miss, and its per-confounder table. A confounder world takes
5-10 s (eight CLI starts of ~0.4 s each, the simulation, the trace); the 34 worlds run by default
~4.5 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.confounder_table import Measured, confounder_table, worst_world
from tracers.evaluate import (
    AT_LEAST,
    NONE_ALLOWED,
    ConfounderScores,
    EvaluationError,
    Scores,
    format_confounder_scores,
    format_scores,
    score,
    score_by_confounder,
)
from tracers.simulate.config import CONFOUNDERS
from tracers.simulate.confounders import confounder_config

CASE = "BENCH-EVAL-1"
STEP_TIMEOUT = 3600  # seconds
STDERR_TAIL = 20  # lines of a failed step's stderr to print
CONFOUNDER_SEEDS = tuple(range(100, 130))
HELD_OUT_SEEDS = range(200, 230)  # never looked at while changing a rule; see the module docstring


@dataclass(frozen=True)
class World:
    seed: int
    victims: int
    transfers: int
    users: int = 400
    confounders: tuple[str, ...] = ()
    random: bool = False  # `--confounders random`: sizes and confounders drawn with the seed

    @classmethod
    def drawn(cls, seed: int) -> World:
        """The confounder world `tracers simulate --seed N --confounders random` writes."""
        config = confounder_config(seed)
        return cls(seed, config.victims, config.transfers, config.users, tuple(config.confounders), random=True)

    @property
    def sizes(self) -> str:
        return f"v{self.victims} t{self.transfers // 1000}k"

    @property
    def label(self) -> str:
        return f"seed {self.seed} {self.sizes}"

    @property
    def folder_name(self) -> str:
        return f"seed{self.seed}-v{self.victims}-t{self.transfers}" + ("-random" if self.random else "")


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
    by_confounder: dict[str, ConfounderScores]
    confounders: tuple[str, ...]  # switched on, as truth.json says (CONFOUNDERS order)

    def measured(self) -> Measured:
        return Measured(self.world.seed, self.world.sizes, self.confounders, self.scores, self.by_confounder,
                        self.note)


def worlds_from_env(text: str | None) -> tuple[World, ...]:
    """`seed:victims:transfers[:users],...` -> worlds; empty or unset -> WORLDS; `none` -> none."""
    if not text:
        return WORLDS
    if text.strip().lower() == "none":
        return ()
    worlds = []
    for item in text.split(","):
        numbers = [int(n) for n in item.split(":")]
        if len(numbers) not in (3, 4):
            raise SystemExit(f"BENCH_WORLDS item {item!r}: write seed:victims:transfers[:users], e.g. 11:30:20000")
        worlds.append(World(*numbers))
    return tuple(worlds)


_SEEDS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def confounder_seeds_from_env(text: str | None) -> tuple[int, ...]:
    """`100-129`, `100,105` or `100-104,110` -> seeds; unset or empty -> 100..129; `none` -> none."""
    if text is None or not text.strip():
        return CONFOUNDER_SEEDS
    if text.strip().lower() == "none":
        return ()
    seeds: list[int] = []
    for item in text.split(","):
        match = _SEEDS.match(item)
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            raise SystemExit(f"BENCH_CONFOUNDER_SEEDS item {item!r}: write a seed or a range, e.g. 100-129,140")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        seeds += [seed for seed in range(first, last + 1) if seed not in seeds]
    return tuple(seeds)


def steps(world: World, folder: Path) -> list[tuple[str, list[str], set[int]]]:
    """(name, CLI arguments, exit codes that mean it worked) for one world, in order."""
    data = str(folder / "world")
    simulate = ["simulate", data, "--seed", str(world.seed)]
    simulate += (["--confounders", "random"] if world.random else
                 ["--victims", str(world.victims), "--users", str(world.users), "--transfers", str(world.transfers)])
    return [
        ("simulate", simulate, {0}),
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
                return Result(world, None, "simulate failed", None, {}, world.confounders)
    return _score(world, folder, trace_seconds)


def _score(world: World, folder: Path, trace_seconds: float | None) -> Result:
    addresses = _addresses_csv(folder / "addresses.csv")
    confounders = world.confounders
    try:
        truth = json.loads((folder / "world" / "truth.json").read_text())
        confounders = tuple(name for name in CONFOUNDERS if name in truth.get("confounders", {}))
        scores = score(truth, addresses, folder / "subpoena")
        by_confounder = score_by_confounder(truth, addresses, folder / "subpoena")
    except EvaluationError as exc:
        return Result(world, None, f"not scored: {exc}", trace_seconds, {}, confounders)
    missed = [name for name, met in scores.meets_targets().items() if not met]
    note = "misses " + ", ".join(missed) if missed else "all targets met"
    return Result(world, scores, note, trace_seconds, by_confounder, confounders)


def _addresses_csv(path: Path) -> Path:
    """The export's addresses CSV, whether --out named the file or a folder it wrote into."""
    if path.is_dir():
        inside = path / "addresses.csv"
        found = sorted(path.glob("*.csv"))
        return inside if inside.exists() or not found else found[0]
    return path


def summary_table(results: list[Result]) -> str:
    """One line per world, then the worst of each figure: over the default worlds and the confounder
    worlds apart when there are both, and over all."""
    titles = ["world", *SHARES, *COUNTS, "trace s", "targets", "confounders"]
    rows = []
    for r in results:
        on = ", ".join(r.confounders) or ("none" if r.world.random else "")
        if r.scores is None:
            rows.append([r.world.label, *["-"] * (len(SHARES) + len(COUNTS)), _seconds(r.trace_seconds),
                         "not scored", on])
            continue
        rows.append([
            r.world.label,
            *[f"{getattr(r.scores, attr):.3f}" for attr in SHARES.values()],
            *[str(len(getattr(r.scores, attr))) for attr in COUNTS.values()],
            _seconds(r.trace_seconds),
            f"{sum(r.scores.meets_targets().values())}/{len(AT_LEAST) + len(NONE_ALLOWED)}",
            on,
        ])
    groups = [("default", [r for r in results if not r.world.random]),
              ("confounder", [r for r in results if r.world.random])]
    if all(members for _, members in groups):
        rows += [_worst_row(f"worst of {len(members)} {kind}", members) for kind, members in groups]
    rows.append(_worst_row(f"worst of all {len(results)}" if len(results) > 1 else "worst", results))
    rows = [row for row in rows if row]
    targets = ["target", *[f">={AT_LEAST[attr]}" for attr in SHARES.values()], *["0"] * len(COUNTS), "", "", ""]
    widths = [max(len(row[i]) for row in [titles, targets, *rows]) for i in range(len(titles))]
    lines = [titles, targets, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


def _worst_row(title: str, results: list[Result]) -> list[str]:
    """The minimum of each share and the maximum of each count over the scored worlds ([] if none)."""
    scored = [r.scores for r in results if r.scores is not None]
    if not scored:
        return []
    return [
        f"{title}" + (f" ({len(results) - len(scored)} not scored)" if len(scored) < len(results) else ""),
        *[f"{min(getattr(s, attr) for s in scored):.3f}" for attr in SHARES.values()],
        *[str(max(len(getattr(s, attr)) for s in scored)) for attr in COUNTS.values()],
        "", f"{sum(all(s.meets_targets().values()) for s in scored)}/{len(results)} ok", "",
    ]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    worlds = worlds_from_env(os.environ.get("BENCH_WORLDS"))
    seeds = confounder_seeds_from_env(os.environ.get("BENCH_CONFOUNDER_SEEDS"))
    worlds += tuple(World.drawn(seed) for seed in seeds)
    held_out = [seed for seed in seeds if seed in HELD_OUT_SEEDS]
    if held_out:
        print(f"note: seeds {', '.join(map(str, held_out))} are held out: change no rule or default after "
              "looking at them", flush=True)
    keep = os.environ.get("BENCH_KEEP")
    details = bool(os.environ.get("BENCH_DETAILS"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tracers-eval-") as tmp:
        root = Path(keep) if keep else Path(tmp)
        results = []
        for world in worlds:
            print(f"trace quality: {world.label} ({world.users} users) ...", flush=True)
            result = run_world(world, root / world.folder_name)
            on = f"; confounders: {', '.join(result.confounders) or 'none'}" if world.random else ""
            print(f"  {world.label}: {result.note}{on}", flush=True)
            if result.scores is not None and details:
                print(format_scores(result.scores, details=True), flush=True)
                if result.by_confounder:
                    print(format_confounder_scores(result.by_confounder), flush=True)
            results.append(result)
    drawn = [r for r in results if r.world.random]
    print(f"trace quality against truth.json ({len(results) - len(drawn)} default worlds, {len(drawn)} with random "
          f"confounders; {time.perf_counter() - started:.0f} s; worst: min of each share, max of each count)")
    print(summary_table(results))
    if drawn:
        print(f"per confounder, over the {len(drawn)} confounder worlds (worst: min of each recall and share, max of "
              "decoys flagged, with the seed of the world; mean over the worlds where it touched that kind)")
        print(confounder_table([r.measured() for r in drawn]))
    print(worst_world([r.measured() for r in results]))


if __name__ == "__main__":
    main()
