"""Hostile outputs (issue 12): where exports and the report are written, what listings print, and
what an analyst sees when a live source fails for good.

- `--out` is checked before any work (the store is not even opened): an empty path, a folder where
  a file goes, a file where a folder goes, a path under a file, a missing parent folder. A file an
  earlier export left is replaced only with `--force`; a folder, a symbolic link, a pipe where a
  file goes is never replaced, with `--force` or without. Every refusal: exit 1, one `error:` line
  naming the path and the fix, no traceback, nothing written.
- `findings --format csv` is CSV: one row per finding, the documented columns, cells neutralised.
- A live source that refuses for good (an invalid API key) during `trace` or `monitor run` gives one
  `error:` line with the fix and exit 1, never Prefect's traceback; a key pasted into
  `--explorer-url` is never echoed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fakes.explorer_server import ExplorerServer
from fakes.world import World
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exports import CASE, store  # noqa: F401 - store: the hand-made traced case, a fixture
from typer.testing import CliRunner

from tracers.cli import app
from tracers.errors import OutputError, SourceError, TracersError
from tracers.exports import out_file, out_folder, verify_dir
from tracers.exports.files import write_whole
from tracers.findings import FINDING_COLUMNS
from tracers.sources.factory import spec_from_options
from tracers.store import connect

KEY = "SECRETKEY123"

FILES = {  # command -> (its words before --out, a good file name)
    "addresses": (["export", "addresses"], "addresses.csv"),
    "tagpack": (["export", "tagpack"], "case.yaml"),
    "stix": (["export", "stix"], "bundle.json"),
    "report": (["report"], "case.html"),
}
FOLDERS = {
    "subpoena": (["export", "subpoena"], "manifest.json"),
    "freeze": (["export", "freeze"], "manifest.json"),
}


@pytest.fixture
def db(store, tmp_path):  # noqa: F811 - the fixture imported above
    """The traced case's store, closed, for the command line."""
    store.close()
    return tmp_path / "s.duckdb"


def run(db_path: Path, *args: str):
    result = CliRunner().invoke(app, ["--db", str(db_path), *args])
    result.said = " ".join(result.stderr.split())  # rich wraps long lines
    return result


def export(db_path: Path, command: str, out: str, *extra: str):
    words = {**FILES, **FOLDERS}[command][0]
    return run(db_path, *words, "--case", CASE, "--out", out, *extra)


def refused(result, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no crash underneath
    assert result.said.startswith("error: "), result.said
    for text in expected:
        assert text in result.said, result.said


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else b"<not a file>")
            for p in sorted(folder.iterdir())}


# -- --out of the commands that write one file -------------------------------------------------


@pytest.mark.parametrize("command", list(FILES))
def test_a_file_output_refuses_every_bad_out_before_opening_the_store(command, tmp_path):
    db_path = tmp_path / "never.duckdb"
    (tmp_path / "taken").write_text("x")
    (tmp_path / "folder").mkdir()
    name = FILES[command][1]
    cases = {
        "": ["--out is empty", "give a file name"],
        "   ": ["--out is empty"],
        str(tmp_path / "folder"): ["is a folder where a file would go", "give the name of a plain file"],
        str(tmp_path / "folder") + "/": ["names a folder", "give a file name"],
        str(tmp_path / "taken" / name): [f"{tmp_path / 'taken'} is a file, not a folder", "existing folder"],
        str(tmp_path / "nope" / "deeper" / name): [f"folder {tmp_path / 'nope' / 'deeper'} does not exist",
                                                   "create it first"],
        str(tmp_path / ("x" * 300 + name)): ["File name too long", "give another path"],
    }
    for out, expected in cases.items():
        refused(export(db_path, command, out), *expected)
    assert not db_path.exists()  # no work started: not even the store was created
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "taken"]


@pytest.mark.parametrize("command", list(FILES))
def test_an_existing_output_file_is_replaced_only_with_force(command, db, tmp_path):
    out = tmp_path / FILES[command][1]
    out.write_text("the analyst's earlier copy")
    refused(export(db, command, str(out)), f"--out {out} exists", "give --force to replace it")
    assert out.read_text() == "the analyst's earlier copy"
    done = export(db, command, str(out), "--force")
    assert done.exit_code == 0, done.output
    assert out.read_text() != "the analyst's earlier copy" and out.stat().st_size > 100
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


@pytest.mark.parametrize("command", list(FILES))
def test_a_link_or_a_pipe_at_out_is_never_replaced_even_with_force(command, db, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours")
    link = tmp_path / ("link-" + FILES[command][1])
    link.symlink_to(elsewhere)
    pipe = tmp_path / ("pipe-" + FILES[command][1])
    os.mkfifo(pipe)
    for force in ([], ["--force"]):
        refused(export(db, command, str(link), *force), f"{link} is a symbolic link", "remove it")
        refused(export(db, command, str(pipe), *force), f"{pipe} is not a plain file", "give")
    assert link.is_symlink() and elsewhere.read_text() == "not yours"
    assert pipe.exists() and not pipe.is_file()


def test_an_out_path_with_markup_or_brackets_is_written_and_said_as_it_is(db, tmp_path):
    out = tmp_path / "[red]case[bold] [link=x].csv"
    done = export(db, "addresses", str(out))
    assert done.exit_code == 0, done.output
    assert out.is_file() and f"wrote {out}: 13 addresses" in done.stdout


# -- --out of the commands that write a folder -------------------------------------------------


@pytest.mark.parametrize("command", list(FOLDERS))
def test_a_folder_output_refuses_every_bad_out_before_opening_the_store(command, tmp_path):
    db_path = tmp_path / "never.duckdb"
    (tmp_path / "taken").write_text("x")
    cases = {
        "": ["--out is empty", "give a folder"],
        str(tmp_path / "taken"): ["is a file, not a folder", "give --out a folder (it is created if missing)"],
        str(tmp_path / "taken" / "out"): [f"{tmp_path / 'taken'} is a file, not a folder"],
        str(tmp_path / "nope" / "out"): [f"folder {tmp_path / 'nope'} does not exist", "create it first"],
    }
    for out, expected in cases.items():
        refused(export(db_path, command, out), *expected)
    assert not db_path.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


@pytest.mark.parametrize("command", list(FOLDERS))
def test_a_folder_with_an_earlier_export_is_written_over_only_with_force(command, db, tmp_path):
    out = tmp_path / "out"
    assert export(db, command, str(out)).exit_code == 0
    (out / "notes.txt").write_text("analyst notes")
    before = listing(out)
    again = export(db, command, str(out))
    refused(again, f"{out} holds", "manifest.json", "give --force to replace them", "nothing was written")
    assert listing(out) == before
    forced = export(db, command, str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert verify_dir(out).ok and (out / "notes.txt").read_text() == "analyst notes"


@pytest.mark.parametrize("command", list(FOLDERS))
@pytest.mark.parametrize("blocker", ["folder", "link", "pipe"])
def test_an_export_never_replaces_a_folder_link_or_pipe_inside_its_folder(command, blocker, db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = out / FOLDERS[command][1]  # manifest.json: every export writes it
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    {"folder": lambda: target.mkdir(), "link": lambda: target.symlink_to(elsewhere),
     "pipe": lambda: os.mkfifo(target)}[blocker]()
    before = listing(out)
    words = {"folder": "is a folder where a file would go", "link": "is a symbolic link",
             "pipe": "is not a plain file"}
    for force in ([], ["--force"]):
        refused(export(db, command, str(out), *force), f"{target} {words[blocker]}", "another --out folder")
    assert listing(out) == before and elsewhere.read_text() == "{}"


def test_the_library_checks_out_too_and_writes_nothing_on_refusal(store, tmp_path):  # noqa: F811
    from tracers.exports import export_addresses, export_subpoena

    (tmp_path / "a.csv").write_text("mine")
    with pytest.raises(OutputError, match="exists: give --force"):
        export_addresses(store, CASE, tmp_path / "a.csv")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        export_subpoena(store, CASE, tmp_path / "a.csv")
    with pytest.raises(OutputError, match="NUL character"):
        out_file(str(tmp_path / "a\0b.csv"))
    assert [p.name for p in tmp_path.iterdir() if p.name != "s.duckdb" and not p.name.endswith(".wal")] == ["a.csv"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="/"), min_size=0, max_size=300),
       st.booleans(), st.booleans())
def test_any_out_name_is_written_whole_or_refused_with_an_output_error(name, force, as_folder):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "existing.csv").write_text("old")
        (root / "sub").mkdir()
        path = str(root / name) if name else name
        try:
            checked = out_folder(path) if as_folder else out_file(path, force=force)
            target = checked / "manifest.json" if as_folder else checked
            if as_folder:
                checked.mkdir(exist_ok=True)
            write_whole(target, b"data\n")
        except TracersError as exc:
            assert isinstance(exc, OutputError) and str(exc)
            assert (root / "existing.csv").read_text() == "old"
            return
        assert target.read_bytes() == b"data\n"
        assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


# -- findings --format csv ---------------------------------------------------------------------


def test_findings_as_csv_is_one_row_per_finding_with_the_documented_columns(db):
    con = connect(db)
    con.execute("UPDATE findings SET detail = '=HYPERLINK(\"http://x\",\"y\")' WHERE finding_id = 'victim:1'")
    stored = con.execute("SELECT count(*) FROM findings WHERE run_id = ?", [f"{CASE}:2"]).fetchall()[0][0]
    con.close()
    result = run(db, "findings", "--case", CASE, "--format", "csv")
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert header == FINDING_COLUMNS and len(rows) == stored == 15
    by_id = {r[2]: dict(zip(header, r, strict=True)) for r in rows}
    at_rest = by_id["at_rest:1"]
    assert (at_rest["amount"], at_rest["amount_base_units"], at_rest["asset_symbol"]) == ("1800", "1800000000", "USDT")
    assert at_rest["run_id"] == f"{CASE}:2" and at_rest["role"] == "perpetrator"
    assert len(by_id["deposit_address:1"]["tx_hashes"].split(";")) == 7
    assert by_id["victim:1"]["detail"].startswith("'=HYPERLINK")  # a formula is never live
    assert {r[0] for r in rows} == {CASE}


def test_findings_with_an_unknown_format_is_a_usage_error_naming_the_formats(db):
    result = run(db, "findings", "--case", CASE, "--format", "xml")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert all(name in result.stderr for name in ("table", "csv", "json"))


def test_findings_json_and_table_stay_as_they_were(db):
    as_json = json.loads(run(db, "findings", "--case", CASE, "--format", "json").stdout)
    assert as_json["run"]["run_id"] == f"{CASE}:2"
    assert run(db, "findings", "--case", CASE).stdout.startswith(f"# Findings of case {CASE}")


def test_the_report_renders_amounts_of_2_to_the_256(db, tmp_path):
    done = run(db, "report", "--case", CASE, "--out", str(tmp_path / "case.html"))
    assert done.exit_code == 0, done.output
    assert "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457,584,007,913,129,639,9" \
        in (tmp_path / "case.html").read_text()


# -- live sources: keys are not echoed, failures are one line ----------------------------------


@pytest.mark.parametrize("url", [f"https://api.etherscan.io/v2/api?apikey={KEY}",
                                 f"https://api.etherscan.io/{KEY}", f"https://api.etherscan.io/v2/{KEY}/api/x",
                                 f"https://api.etherscan.io/v2/api#{KEY}", f"ftp://user:{KEY}@api.etherscan.io/api",
                                 f"https://api.etherscan.io:{KEY}/v2/api"])
def test_a_key_pasted_into_the_explorer_url_is_not_echoed(url):
    with pytest.raises(SourceError) as caught:
        spec_from_options("explorer", "ethereum", explorer_url=url)
    message = str(caught.value)
    assert KEY not in message and "explorer base URL" in message
    assert "TRACERS_ETHERSCAN_KEY" in message  # where the key goes


def installed(tmp_path: Path, db_path: Path, prefect_api: dict, *args: str, **env: str):
    """The installed command in its own process (a Prefect flow must not run inside CliRunner),
    its flows on the session's Prefect API."""
    variables = os.environ | {"PREFECT_HOME": str(tmp_path / "prefect"), **prefect_api, **env}
    command = [str(Path(sys.executable).with_name("tracers")), "--db", str(db_path), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=variables, timeout=600)
    done.output = done.stdout + done.stderr
    return done


def test_a_pasted_key_is_refused_by_the_command_before_any_flow_starts(tmp_path, prefect_api):
    done = installed(tmp_path, tmp_path / "s.duckdb", prefect_api, "trace", "--case", "NONE", "--chain", "ethereum",
                     "--source", "explorer", "--explorer-url", f"https://api.etherscan.io/v2/api?apikey={KEY}")
    assert done.returncode == 1 and KEY not in done.output and "Traceback" not in done.output
    assert "Prefect" not in done.output and "error: explorer base URL" in done.output


def test_an_invalid_api_key_during_trace_and_monitor_run_is_one_error_line(tmp_path, prefect_api):
    from tracers.cases import open_case
    from tracers.monitor.watch import add_monitor

    db_path = tmp_path / "s.duckdb"
    con = connect(db_path)
    open_case(con, "LIVE-1")
    add_monitor(con, "LIVE-1", chain="ethereum", addresses=["0x" + "ab" * 20])
    con.close()
    (tmp_path / "world").mkdir()
    with ExplorerServer(World.load(tmp_path / "world"), api_key="THE-RIGHT-KEY") as server:
        live = ["--source", "explorer", "--chain", "ethereum", "--explorer-url", server.url + "/v2/api"]
        for args in (["trace", "--case", "LIVE-1", *live], ["monitor", "run", "--case", "LIVE-1", *live]):
            done = installed(tmp_path, db_path, prefect_api, *args, TRACERS_ETHERSCAN_KEY="A-WRONG-KEY")
            assert done.returncode == 1, done.output
            assert "Traceback" not in done.output
            errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1 and "Invalid API Key" in errors[0]
            assert "set TRACERS_ETHERSCAN_KEY to a valid key" in errors[0]
            assert "A-WRONG-KEY" not in done.output
        assert server.count() >= 2  # both runs reached the explorer and were refused there


def test_listing_cells_that_look_like_markup_are_printed_as_written():
    """A refusal reason or label holding `[/red]` is data: before, rich read it as markup and crashed."""
    import io

    from tracers.output import Format, render

    out = io.StringIO()
    render([{"reason": "asset '[/red]' unknown", "label": "[bold]x"}], ["reason", "label"], Format.table, out,
           "reports of [/C1]")
    text = out.getvalue()
    assert "asset '[/red]' unknown" in text and "[bold]x" in text and "reports of [/C1]" in text
