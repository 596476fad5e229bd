"""The `tracers` command line: global --db / TRACERS_DB, exit codes, messages on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from conftest import write_csv
from tracers.cli import EXIT_REFUSED, app
from tracers.intake import REPORT_COLUMNS
from tracers.tags import builtin_tag_files

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
VICTIM = "0x" + "1" * 40
SCAM = "0x" + "2" * 40


def invoke(*args, env=None):
    return CliRunner().invoke(app, list(args), env=env)


def test_db_option_and_environment_choose_the_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("--db", str(tmp_path / "a.duckdb"), "case", "open", "C1").exit_code == 0
    assert (tmp_path / "a.duckdb").exists()
    assert invoke("case", "open", "C2", env={"TRACERS_DB": str(tmp_path / "b.duckdb")}).exit_code == 0
    assert (tmp_path / "b.duckdb").exists()
    assert invoke("case", "open", "C3").exit_code == 0
    assert (tmp_path / "tracers.duckdb").exists()
    listed = invoke("--db", str(tmp_path / "a.duckdb"), "case", "list", "--format", "json")
    assert [c["case_id"] for c in json.loads(listed.stdout)] == ["C1"]


def test_report_import_exit_codes_and_listing(tmp_path, mini_chain):
    tx, _ = mini_chain.pay_token(USDT, VICTIM, SCAM, 2_500_500_000)
    db = str(tmp_path / "s.duckdb")
    assert invoke("--db", db, "import", "etl", str(mini_chain.write())).exit_code == 0
    assert invoke("--db", db, "case", "open", "K1", "--title", "test").exit_code == 0
    good = {"report_id": "R1", "reported_at": "2026-01-02", "chain": "ethereum", "asset": "USDT",
            "tx_hash": tx, "victim_address": VICTIM, "scam_address": SCAM, "amount": "2500.5"}
    path = write_csv(tmp_path / "ok.csv", list(REPORT_COLUMNS), [good])
    result = invoke("--db", db, "reports", "import", str(path), "--case", "K1")
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 refused" in result.stdout

    bad = dict(good, report_id="R2", tx_hash="0xnope")
    path = write_csv(tmp_path / "mixed.csv", list(REPORT_COLUMNS), [good, bad])
    result = invoke("--db", db, "reports", "import", str(path), "--case", "K1")
    assert result.exit_code == EXIT_REFUSED
    assert "line 3 report R2" in result.stderr and "bad_tx_hash" in result.stderr

    listed = invoke("--db", db, "reports", "list", "--case", "K1", "--format", "csv")
    assert listed.stdout.splitlines()[0] == "report_id,status,reason"
    assert listed.stdout.splitlines()[1] == "R1,accepted,"
    assert listed.stdout.splitlines()[2].startswith("R2,refused,field 'tx_hash'")


@pytest.mark.parametrize(
    "args, message",
    [
        (["reports", "import", "{tmp}/missing.csv", "--case", "K"], "does not exist: open it first"),
        (["case", "open", "bad id!"], "use letters, digits"),
        (["import", "etl", "{tmp}/nowhere"], "is not a folder"),
        (["import", "etl", "{tmp}", "--chain", "dogechain"], "unknown chain 'dogechain'"),
        (["transfers", "0x123"], "is not an EVM address"),
        (["reports", "import", "{tmp}/x.csv", "--case", "K", "--source", "rpc"], "--source rpc needs a URL"),
        (["tags", "import"], "--builtin"),
    ],
)
def test_bad_input_gives_one_clear_sentence_and_nonzero_exit(tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = invoke("--db", str(tmp_path / "s.duckdb"), *args)
    assert result.exit_code in (1, 2)
    assert message in " ".join((result.stderr + result.stdout).split())
    assert "Traceback" not in result.output


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_every_command_and_option_has_help_text():
    missing = []
    for path, command in _commands(get_command(app)):
        if not (command.help or "").strip():
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{' '.join(path)} {param.opts[0]}")
            if isinstance(param, click.Argument) and not getattr(param, "help", None):
                missing.append(f"{' '.join(path)} <{param.name}>")
    assert missing == []


def test_console_script_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tracers.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.startswith("tracers ")


def test_reports_template_is_a_valid_header(tmp_path):
    result = invoke("reports", "template")
    assert result.stdout.splitlines()[0] == ",".join(REPORT_COLUMNS)


def test_tags_import_reports_each_file_and_fails_when_one_is_bad(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("address,label,category,actor\n0x" + "a" * 40 + ",Hot 1,exchange,binance\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("address,label,category\n0x123,oops,exchange\n")
    db = str(tmp_path / "s.duckdb")
    result = invoke("--db", db, "tags", "import", str(good), str(bad))
    assert result.exit_code == 1
    assert "good.csv: 1 tags" in result.stdout
    assert "bad.csv" in result.stderr and "'address'" in result.stderr
    listed = invoke("--db", db, "tags", "list", "--format", "json")
    assert [(t["address"], t["actor"]) for t in json.loads(listed.stdout)] == [("0x" + "a" * 40, "binance")]


def test_builtin_tags_import_and_reimport_is_stable(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert invoke("--db", db, "tags", "import", "--builtin").exit_code == 0
    first = invoke("--db", db, "status", "--format", "json").stdout
    assert invoke("--db", db, "tags", "import", "--builtin").exit_code == 0
    assert invoke("--db", db, "status", "--format", "json").stdout == first
    counts = {r["what"]: r["count"] for r in json.loads(first)}
    assert counts["tags"] > 1000 and counts["tag files"] == len(builtin_tag_files())


def test_monitor_commands_and_alert_listing(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert invoke("--db", db, "case", "open", "M1").exit_code == 0
    added = invoke("--db", db, "monitor", "add", "--case", "M1", "--cron", "0 * * * *",
                   "--webhook", "https://hooks.example/alerts")
    assert added.exit_code == 0 and "watching M1 (0 * * * *)" in added.stdout
    wallet = invoke("--db", db, "monitor", "add", "0x" + "ab" * 20, "--case", "M1", "--chain", "ethereum")
    assert wallet.exit_code == 0 and f"M1:ethereum:0x{'ab' * 20}" in wallet.stdout
    listed = json.loads(invoke("--db", db, "monitor", "list", "--format", "json").stdout)
    assert [m["monitor_id"] for m in listed] == ["M1", f"M1:ethereum:0x{'ab' * 20}"]
    assert invoke("--db", db, "monitor", "remove", "M1").exit_code == 0
    again = invoke("--db", db, "monitor", "remove", "M1")
    assert again.exit_code == 1 and "tracers monitor list" in again.stderr
    bad = invoke("--db", db, "monitor", "add", "--case", "M1", "--webhook", "ftp://x/y")
    assert bad.exit_code == 1
    cron = invoke("--db", db, "monitor", "add", "--case", "M1", "--cron", "every hour")
    assert cron.exit_code == 1 and "five fields" in cron.stderr
    alerts = invoke("--db", db, "alerts", "list", "--case", "M1", "--since", "24h", "--format", "csv")
    assert alerts.exit_code == 0 and alerts.stdout.startswith("created_at,case_id,kind")
