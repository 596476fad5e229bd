"""The store: schema applied in order and recorded, SQL shipped in the wheel, clear lock errors."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT
from tracers.errors import StoreError
from tracers.store import connect, schema_version
from tracers.store.connection import migrations, statements


def test_schema_is_applied_once_and_its_version_recorded(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    latest = migrations()[-1][0]
    assert schema_version(con) == latest
    con.execute("INSERT INTO cases VALUES ('K', NULL, now())")
    con.close()
    con = connect(tmp_path / "s.duckdb")
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(migrations())
    assert con.execute("SELECT case_id FROM cases").fetchall() == [("K",)]
    con.close()


def test_migrations_are_numbered_and_in_order():
    versions = [v for v, _ in migrations()]
    assert versions == sorted(versions) == list(range(1, len(versions) + 1))


def test_statement_splitting_keeps_semicolons_inside_strings_of_a_line():
    script = "-- head; comment\nSELECT 'a;b';\nSELECT 2; -- trailing\n"
    assert [s.splitlines()[-1] for s in statements(script)] == ["SELECT 'a;b'", "SELECT 2"]


def test_a_store_held_by_another_process_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACERS_DB_WAIT", "0.5")
    db = tmp_path / "held.duckdb"
    connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys,time; c=duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="another tracers process"):
            connect(db)  # after waiting TRACERS_DB_WAIT
    finally:
        holder.kill()
        holder.wait()


def test_the_wheel_ships_sql_builtin_tags_and_template(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("tracers-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    schema = {p.name for p in (ROOT / "sql" / "schema").glob("*.sql")}
    assert schema and {f"tracers/sql/schema/{n}" for n in schema} <= names
    assert any(n.startswith("tracers/sql/import/") for n in names)
    assert "tracers/intake/template.csv" in names
    assert any(n.startswith("tracers/tags/builtin/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("flows/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "tracers = tracers.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_two_processes_take_turns_on_one_store(tmp_path):
    """A trace and a monitoring pass started at once: both finish, nothing is lost."""
    from conftest import traced_world

    traced_world(tmp_path, "TURNS", seed=9, victims=6, users=60, transfers=2000)
    db = tmp_path / "full.duckdb"
    con = connect(db)
    from tracers.monitor.watch import add_monitor

    add_monitor(con, "TURNS")
    con.close()
    trace = ("from tracers.store import connect; from tracers.trace import trace_case; "
             f"con = connect({str(db)!r}); print(trace_case(con, 'TURNS').run_id); con.close()")
    monitor = ("from tracers.store import connect; from tracers.monitor.pass_ import run_pass; "
               f"con = connect({str(db)!r}); print(run_pass(con, 'TURNS').pass_id); con.close()")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for code in (trace, monitor, trace)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1][-500:] for o in outputs]
    con = connect(db)
    runs = con.execute("SELECT count(*) FROM trace_runs WHERE case_id = 'TURNS'").fetchall()[0][0]
    passes = con.execute("SELECT count(*) FROM monitor_passes").fetchall()[0][0]
    con.close()
    assert runs == 1 + 3 and passes == 1  # the reference run, two traces and the pass's own run
    assert len({o[0].strip() for o in outputs}) == 3  # each process did its own unit of work
