"""Per-confounder figures over many worlds, and the worst world: the read side of `bench evaluate`.

For each confounder: the worlds it was on, then per figure the worst world (with its seed) and the
mean over the worlds where the confounder touched something of that kind (a confounder that
touched no deposit in a world says nothing about deposit recall there). The figures are those of
`tracers.evaluate.score_by_confounder`: deposit recall and amounts traced within max(5 %, the
deposit's tolerance) over the deposits it touched, perpetrator and victim recall over the
perpetrators and victims it touched, and how many of its decoys were flagged (worst: the most).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from tracers.evaluate import AT_LEAST, ConfounderScores, Counts, Scores
from tracers.simulate.config import CONFOUNDERS


@dataclass(frozen=True)
class Measured:
    """One world's scores, as the tables need them."""

    seed: int
    label: str  # the world's sizes, e.g. "v18 t4k"
    confounders: tuple[str, ...]
    scores: Scores | None
    by_confounder: dict[str, ConfounderScores]
    note: str  # why it was not scored, when it was not


def _recall(counts: Counts) -> float | None:
    return counts.recall if counts.tp + counts.fn else None


# column title -> (the figure of a world, or None when the confounder touched nothing of that kind)
RECALLS: dict[str, Callable[[ConfounderScores], float | None]] = {
    "dep R": lambda s: _recall(s.deposits),
    "5%/tol": lambda s: s.traced_within_share if s.traced else None,
    "perp R": lambda s: _recall(s.perpetrators),
    "victim R": lambda s: _recall(s.victims),
}


def failing(scores: Scores) -> list[str]:
    """The targets a world misses, each with its value and target."""
    met = scores.meets_targets()
    missed = [f"{name} {getattr(scores, name):.3f} (>= {low})" for name, low in AT_LEAST.items() if not met[name]]
    missed += [f"{name} {len(getattr(scores, name))} (0)" for name in met if name not in AT_LEAST and not met[name]]
    return missed


def _below(scores: Scores, level: Callable[[str], float]) -> float:
    """How far the shares are below `level(metric)`, plus one per listed miss (swallowed, leaks)."""
    short = sum(max(0.0, level(name) - getattr(scores, name)) for name in AT_LEAST)
    return short + sum(len(getattr(scores, name)) for name in scores.meets_targets() if name not in AT_LEAST)


def _rank(scores: Scores) -> tuple[int, float, float]:
    """Targets missed, then how far below the targets, then how far below a perfect score."""
    return len(failing(scores)), _below(scores, AT_LEAST.__getitem__), _below(scores, lambda _: 1.0)


def worst_world(worlds: list[Measured]) -> str:
    """`worst world: seed N (sizes; confounders) ...`: an unscored world first, else the most targets
    missed, then the largest shortfall against the targets, then against a perfect score."""
    if not worlds:
        return "worst world: no world run"
    unscored = [w for w in worlds if w.scores is None]
    if unscored:
        w = unscored[0]
        return f"worst world: seed {w.seed} ({_described(w)}) {w.note}"
    w = max(worlds, key=lambda m: _rank(m.scores))  # type: ignore[arg-type]
    scores = w.scores
    assert scores is not None
    missed = failing(scores)
    if missed:
        return f"worst world: seed {w.seed} ({_described(w)}) misses {len(missed)}: " + "; ".join(missed)
    short = [f"{name} {getattr(scores, name):.3f}" for name in AT_LEAST if getattr(scores, name) < 1.0]
    if not short:
        return f"worst world: none; every one of the {len(worlds)} worlds scores 1.000 on every figure"
    return (f"worst world: seed {w.seed} ({_described(w)}) misses no target (none of the {len(worlds)} worlds "
            "does); below 1.000: " + "; ".join(short))


def _described(world: Measured) -> str:
    return f"{world.label}; confounders: {', '.join(world.confounders) or 'none'}"


def confounder_table(worlds: list[Measured]) -> str:
    """One row per confounder that was on somewhere: worlds, then worst (seed) and mean of each figure."""
    scored = [w for w in worlds if w.scores is not None]
    titles = ["confounder", "worlds", "missing targets"]
    for title in [*RECALLS, "decoys"]:
        titles += [f"{title} {'max' if title == 'decoys' else 'min'}", "mean"]
    rows = []
    for name in CONFOUNDERS:
        on = [w for w in worlds if name in w.confounders]
        if not on:
            continue
        mine = [(w.seed, w.by_confounder[name]) for w in scored if name in w.by_confounder]
        missing = sum(1 for w in on if w.scores is None or failing(w.scores))
        row = [name, str(len(on)), f"{missing}/{len(on)}"]
        for figure in RECALLS.values():
            values = [(figure(s), seed) for seed, s in mine if figure(s) is not None]
            row += _worst_and_mean(values, worst=min, perfect=1.0, digits=3)
        decoys = [(float(len(s.decoys_flagged)), seed) for seed, s in mine]
        row += _worst_and_mean(decoys, worst=max, perfect=0.0, digits=0)
        rows.append(row)
    if not rows:
        return "  no confounder world scored"
    widths = [max(len(row[i]) for row in [titles, *rows]) for i in range(len(titles))]
    lines = [titles, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


def _worst_and_mean(values: list[tuple[float, int]], worst: Callable, perfect: float, digits: int) -> list[str]:
    """[the worst value, with its world's seed unless it is perfect; the mean], or dashes when
    there is nothing to measure."""
    if not values:
        return ["-", "-"]
    value, seed = worst(values, key=lambda pair: pair[0])
    shown = f"{value:.{digits}f}" + ("" if value == perfect else f" s{seed}")
    return [shown, f"{statistics.fmean(v for v, _ in values):.{max(digits, 1)}f}"]
