"""Settings resolve one way everywhere: command line > per-chain variable > generic variable >
default; a bad value names its variable and an example; nothing outside tracers/settings.py reads
a TRACERS_ variable from the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracers import settings
from tracers.errors import SourceError
from tracers.settings import SettingError, resolve, variables, where
from tracers.sources.factory import spec_from_options

ROOT = Path(__file__).resolve().parents[1]


def test_command_line_then_per_chain_then_generic_then_default():
    env = {"TRACERS_RPC_URL": "http://generic", "TRACERS_RPC_URL_BSC": "http://bsc"}
    assert resolve("rpc_url", "http://flag", "bsc", env) == "http://flag"
    assert resolve("rpc_url", None, "bsc", env) == "http://bsc"
    assert resolve("rpc_url", "", "bsc", env) == "http://bsc"  # an empty form field is not a value
    assert resolve("rpc_url", None, "ethereum", env) == "http://generic"
    assert resolve("rpc_url", None, "ethereum", {}) is None
    assert resolve("db", None, None, {}) == "tracers.duckdb"
    assert resolve("db", None, None, {"TRACERS_DB": "/data/t.duckdb"}) == "/data/t.duckdb"
    assert resolve("runner", None, None, {"TRACERS_RUNNER": " dask "}) == "dask"


def test_a_chain_id_has_no_generic_variable():
    """One id never fits every chain: only TRACERS_RPC_CHAIN_ID_<CHAIN> is read."""
    assert variables("chain_id", "ethereum") == ["TRACERS_RPC_CHAIN_ID_ETHEREUM"]
    assert resolve("chain_id", None, "ethereum", {"TRACERS_RPC_CHAIN_ID": "31337"}) is None
    assert resolve("chain_id", None, "ethereum", {"TRACERS_RPC_CHAIN_ID_ETHEREUM": "31337"}) == 31337
    assert resolve("chain_id", 5, "ethereum", {"TRACERS_RPC_CHAIN_ID_ETHEREUM": "31337"}) == 5


@pytest.mark.parametrize("name, variable, value", [
    ("chain_id", "TRACERS_RPC_CHAIN_ID_ETHEREUM", "anvil"),
    ("chain_id", "TRACERS_RPC_CHAIN_ID_ETHEREUM", "0"),
    ("runner", "TRACERS_RUNNER", "ray"),
    ("db_wait", "TRACERS_DB_WAIT", "soon"),
    ("db_wait", "TRACERS_DB_WAIT", "-1"),
])
def test_a_bad_value_names_its_variable_and_an_example(name, variable, value):
    with pytest.raises(SettingError) as caught:
        resolve(name, None, "ethereum", {variable: value})
    assert f"{variable}={value!r}" in str(caught.value) and f"e.g. {variable}=" in str(caught.value)


def test_the_missing_url_error_says_every_way_to_give_it(monkeypatch):
    for name in ("TRACERS_RPC_URL", "TRACERS_RPC_URL_POLYGON"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SourceError) as caught:
        spec_from_options("rpc", "polygon")
    assert "--rpc-url" in str(caught.value)
    assert "TRACERS_RPC_URL_POLYGON or TRACERS_RPC_URL" in str(caught.value)
    assert where("etherscan_key") == "set TRACERS_ETHERSCAN_KEY"  # keys: the environment only


def test_flows_and_cli_resolve_alike(monkeypatch):
    """The spec a flow builds from its parameters is the one the CLI builds from its options."""
    monkeypatch.setenv("TRACERS_RPC_URL", "http://generic:8545")
    monkeypatch.setenv("TRACERS_RPC_URL_ETHEREUM", "http://ethereum:8545")
    monkeypatch.setenv("TRACERS_RPC_CHAIN_ID_ETHEREUM", "31337")
    spec = spec_from_options("rpc", "ethereum")
    assert spec.url == "http://ethereum:8545" and spec.chain_id == 31337
    assert spec_from_options("rpc", "ethereum", rpc_url="http://flag:8545", chain_id=1).chain_id == 1


def test_only_the_settings_module_reads_tracers_variables():
    reads = re.compile(r"(environ(\.get)?\s*[\[(]|getenv\()\s*f?[\"']TRACERS_")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("tracers", "flows")
                 for path in sorted((ROOT / folder).rglob("*.py")) if path.name != "settings.py"
                 for number, line in enumerate(path.read_text().splitlines(), start=1) if reads.search(line)]
    assert offenders == []
    assert set(settings.SETTINGS) >= {"db", "rpc_url", "explorer_url", "tron_url", "chain_id", "runner",
                                      "dask_address", "etherscan_key", "trongrid_key"}
