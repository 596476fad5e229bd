"""Accuracy, measured: the whole CLI path on simulated worlds of seeds and sizes other than the one
the defaults were tuned on (seed 7), scored against each world's truth.json."""

from __future__ import annotations

import csv
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


# The confounder suite: 30 small worlds drawn at random from the confounder space (each confounder
# on in about half of them, combinations random). The rules were developed against seeds 100-135
# and a world from another generator; seeds 200-229 were never looked at before this suite ran
# them, and no threshold was changed to make one of them pass. The bars hold on EVERY world.
CONFOUNDER_SEEDS = range(200, 230)
CONFOUNDER_BARS = {"deposit recall": 0.95, "amounts within tolerance": 0.90, "perpetrator recall": 0.90,
                   "victim recall": 0.80}


@pytest.mark.parametrize("seed", CONFOUNDER_SEEDS)
def test_trace_holds_on_a_random_confounder_world(tmp_path, seed):
    from tracers.evaluate import format_confounder_scores, score_by_confounder
    from tracers.simulate.confounders import confounder_config

    world, db = tmp_path / "world", str(tmp_path / "case.duckdb")
    runner = CliRunner()

    def run(*args, ok=(0,)):
        result = runner.invoke(app, ["--db", db, *args])
        assert result.exit_code in ok, f"{args}: {result.output}"

    run("simulate", str(world), "--seed", str(seed), "--confounders", "random")
    run("import", "etl", str(world), "--chain", "ethereum")
    run("tags", "import", "--builtin", str(world / "tags.csv"))
    run("case", "open", "ACC-C")
    run("reports", "import", str(world / "reports.csv"), "--case", "ACC-C", ok=(0, EXIT_REFUSED))
    run("trace", "--case", "ACC-C")
    run("export", "subpoena", "--case", "ACC-C", "--out", str(tmp_path / "subpoena"))
    run("export", "addresses", "--case", "ACC-C", "--out", str(tmp_path / "addresses.csv"))

    truth = json.loads((world / "truth.json").read_text())
    assert sorted(truth["confounders"]) == sorted(confounder_config(seed).confounders)
    scores = score(truth, tmp_path / "addresses.csv", tmp_path / "subpoena")
    missed = {k: v for k, v in scores.meets_targets().items() if not v}
    assert not missed, format_scores(scores, details=True)
    assert not scores.misfiled_deposits, "deposits named under the wrong exchange"
    listed = {r["address"]: (r["role"], r["subrole"]) for r in csv.DictReader((tmp_path / "addresses.csv").open())}
    for mixer in truth.get("mixers", []):  # an endpoint reported as mixer exposure, tagged or not
        if mixer["victim_amount"]:
            assert listed.get(mixer["address"]) in (("service", "mixer"), ("service", "mixing_service")), mixer
    for bridge in truth.get("bridges", []):
        if bridge["victim_amount"]:
            assert listed.get(bridge["address"]) == ("service", "defi_bridge"), bridge
    by_confounder = score_by_confounder(truth, tmp_path / "addresses.csv", tmp_path / "subpoena")
    short = {
        (name, bar): value
        for name, s in by_confounder.items()
        for bar, value in (("deposit recall", s.deposits.recall), ("amounts within tolerance", s.traced_within_share),
                           ("perpetrator recall", s.perpetrators.recall), ("victim recall", s.victims.recall))
        if value < CONFOUNDER_BARS[bar]
    }
    flagged = {name: s.decoys_flagged for name, s in by_confounder.items() if s.decoys_flagged}
    assert not short and not flagged, (short, flagged, format_confounder_scores(by_confounder))
