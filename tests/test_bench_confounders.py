"""The read side of `bench evaluate` on confounder worlds: the per-confounder table and the worst
world name the world that fell short, with its seed, and never hide a miss in a mean."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from test_evaluate import perfect
from tracers.evaluate import score, score_by_confounder
from tracers.simulate import simulate
from tracers.simulate.config import CONFOUNDERS
from tracers.simulate.confounders import confounder_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.confounder_table import Measured, confounder_table, worst_world  # noqa: E402


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> dict:
    import json

    folder = tmp_path_factory.mktemp("confounded")
    simulate(folder, confounder_config(100, confounders=CONFOUNDERS))
    return json.loads((folder / "truth.json").read_text())


def measured(seed: int, truth: dict, exports, folder: Path) -> Measured:
    folder.mkdir()
    addresses_csv, subpoena_dir = exports.write(folder)
    return Measured(seed, "v1 t1k", tuple(sorted(truth["confounders"])), score(truth, addresses_csv, subpoena_dir),
                    score_by_confounder(truth, addresses_csv, subpoena_dir), "")


def test_the_table_and_the_worst_world_name_the_world_that_missed_a_deposit(truth, tmp_path):
    good = measured(300, truth, perfect(truth), tmp_path / "good")
    flawed = perfect(truth)
    broker = next(d for d in truth["scam_deposits"] if "shared_broker" in d["confounders"])
    flawed.subpoena = [r for r in flawed.subpoena if r["deposit_address"] != broker["deposit_address"]]
    bad = measured(301, copy.deepcopy(truth), flawed, tmp_path / "bad")

    table = confounder_table([good, bad])
    row = next(line for line in table.splitlines() if line.startswith("shared_broker"))
    assert "s301" in row and "s300" not in row
    assert "1/2" in row  # one of the two worlds misses a target
    assert worst_world([good, bad]).startswith("worst world: seed 301")
    assert "deposit_recall" in worst_world([good, bad])


def test_perfect_worlds_say_so(truth, tmp_path):
    good = measured(300, truth, perfect(truth), tmp_path / "good")
    assert worst_world([good]) == "worst world: none; every one of the 1 worlds scores 1.000 on every figure"
    assert "s300" not in confounder_table([good])
