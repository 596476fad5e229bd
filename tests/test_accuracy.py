"""Accuracy, measured: the whole CLI path on simulated worlds of seeds and sizes other than the one
the defaults were tuned on (seed 7), scored against each world's truth.json."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tracers.cli import EXIT_REFUSED, app
from tracers.evaluate import format_scores, score

WORLDS = [  # seed, victims, users, transfers
    (11, 30, 300, 20_000),
    (23, 60, 600, 40_000),
    (5, 12, 120, 6_000),
]


@pytest.mark.parametrize("seed, victims, users, transfers", WORLDS)
def test_trace_meets_the_accuracy_targets(tmp_path, seed, victims, users, transfers):
    world, db = tmp_path / "world", str(tmp_path / "case.duckdb")
    runner = CliRunner()

    def run(*args, ok=(0,)):
        result = runner.invoke(app, ["--db", db, *args])
        assert result.exit_code in ok, f"{args}: {result.output}"
        return result

    run("simulate", str(world), "--seed", str(seed), "--victims", str(victims),
        "--users", str(users), "--transfers", str(transfers))
    run("import", "etl", str(world), "--chain", "ethereum")
    run("tags", "import", "--builtin", str(world / "tags.csv"))
    run("case", "open", "ACC-1")
    run("reports", "import", str(world / "reports.csv"), "--case", "ACC-1", ok=(0, EXIT_REFUSED))
    run("trace", "--case", "ACC-1")
    run("export", "subpoena", "--case", "ACC-1", "--out", str(tmp_path / "subpoena"))
    run("export", "addresses", "--case", "ACC-1", "--out", str(tmp_path / "addresses.csv"))

    truth = json.loads((world / "truth.json").read_text())
    assert any(c["end"]["kind"] == "otc_desk" for cl in truth["clusters"] for c in cl["peel_chains"])
    assert any(s["kind"] == "merchant" for s in truth["services"])
    scores = score(truth, tmp_path / "addresses.csv", tmp_path / "subpoena")
    missed = {k: v for k, v in scores.meets_targets().items() if not v}
    assert not missed, format_scores(scores, details=True)
