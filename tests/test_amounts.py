"""Amounts stay exact integers up to 2^256-1: through import, SQL sums and CSV/JSON output."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import MiniChain
from tracers.amounts import format_units
from tracers.cli import app
from tracers.etl import import_etl
from tracers.store import connect
from tracers.store.transfers import sum_received

MAX = 2**256 - 1
SPAM = "0x" + "5" * 40
SENDER = "0x" + "a" * 40
RECEIVER = "0x" + "b" * 40


def spam_world(folder, values):
    chain = MiniChain(folder)
    for value in values:
        chain.pay_token(SPAM, SENDER, RECEIVER, value)
    return chain.write()


def test_values_near_2_256_survive_import_sql_sum_and_csv_export(tmp_path):
    values = [MAX, 2**255 + 7, 2**128, 2**127 - 1, 1]
    db = tmp_path / "s.duckdb"
    con = connect(db)
    import_etl(con, spam_world(tmp_path / "w", values))
    stored = sorted(int(v) for (v,) in con.execute("SELECT CAST(amount AS VARCHAR) FROM transfers").fetchall())
    assert stored == sorted(values)
    assert sum_received(con, "ethereum", RECEIVER, SPAM) == sum(values)  # > 2^256: BIGNUM does not wrap
    con.close()

    result = CliRunner().invoke(app, ["--db", str(db), "transfers", RECEIVER, "--format", "csv"])
    assert result.exit_code == 0, result.output
    exported = sorted(int(r["amount"]) for r in csv.DictReader(io.StringIO(result.stdout)))
    assert exported == sorted(values)

    result = CliRunner().invoke(app, ["--db", str(db), "transfers", RECEIVER, "--format", "json"])
    assert sorted(int(r["amount"]) for r in json.loads(result.stdout)) == sorted(values)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=MAX), min_size=1, max_size=6))
def test_any_uint256_round_trips(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("w")
    con = connect(folder / "s.duckdb")
    import_etl(con, spam_world(folder / "etl", values))
    stored = sorted(int(v) for (v,) in con.execute("SELECT CAST(amount AS VARCHAR) FROM transfers").fetchall())
    total = int(con.execute("SELECT CAST(sum(amount) AS VARCHAR) FROM transfers").fetchall()[0][0])
    con.close()
    assert stored == sorted(values)
    assert total == sum(values)


@given(st.integers(min_value=0, max_value=MAX), st.integers(min_value=0, max_value=30))
def test_format_units_is_exact(amount, decimals):
    text = format_units(amount, decimals)
    whole, _, fraction = text.partition(".")
    assert int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0") == amount
    assert not fraction.endswith("0")
