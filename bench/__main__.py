"""Run the benchmarks: `python -m bench [name ...]` (all when none is named)."""

from __future__ import annotations

import sys

from bench import evaluate, import_etl, intake, live, scale

BENCHMARKS = {
    "import": import_etl.main, "evaluate": evaluate.main, "live": live.main, "scale": scale.main,
    "intake": intake.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
