"""Every option that may also come from the environment, resolved one way by the CLI, the flows
and `serve`:

    command line  >  per-chain variable  >  generic variable  >  default
    --rpc-url        TRACERS_RPC_URL_BSC    TRACERS_RPC_URL

    url = resolve("rpc_url", given=options.rpc_url, chain="bsc")
    where("rpc_url", "bsc")  ->  "--rpc-url URL, or TRACERS_RPC_URL_BSC or TRACERS_RPC_URL"

Keys (TRACERS_ETHERSCAN_KEY, TRACERS_TRONGRID_KEY) come from the environment only: a command line
is seen by every user of the machine and kept in shell histories, deployment parameters are shown
in the Prefect UI. A value that does not parse is an error naming the variable and an example.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tracers.errors import TracersError


class SettingError(TracersError, ValueError):
    """An option or environment variable with a value that cannot be used."""


def _text(value: str) -> str:
    return value.strip()


def _chain_id(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError("give the node's chain id as a positive number, e.g. 31337")
    return int(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError("give a number of seconds, 0 or more")
    return seconds


def _runner(value: str) -> str:
    if value.strip() not in RUNNERS:
        raise ValueError(f"give one of {', '.join(RUNNERS)}")
    return value.strip()


RUNNERS = ("threads", "dask")


@dataclass(frozen=True)
class Setting:
    name: str
    option: str | None  # the command-line flag; None: environment only (keys)
    env: str  # the generic variable; per-chain ones add _<CHAIN>
    example: str
    per_chain: bool = False
    generic: bool = True  # False: only the per-chain variable exists (an id never fits every chain)
    default: Any = None
    parse: Callable[[str], Any] = _text


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("db", "--db", "TRACERS_DB", "./tracers.duckdb", default="tracers.duckdb"),
    Setting("db_wait", None, "TRACERS_DB_WAIT", "600", default=600.0, parse=_seconds),
    Setting("rpc_url", "--rpc-url", "TRACERS_RPC_URL", "https://eth.example/v3/KEY", per_chain=True),
    Setting("explorer_url", "--explorer-url", "TRACERS_EXPLORER_URL", "https://api.etherscan.io/v2/api",
            per_chain=True),
    Setting("tron_url", "--tron-url", "TRACERS_TRON_URL", "https://api.trongrid.io"),
    Setting("chain_id", "--chain-id", "TRACERS_RPC_CHAIN_ID", "31337", per_chain=True, generic=False,
            parse=_chain_id),
    Setting("etherscan_key", None, "TRACERS_ETHERSCAN_KEY", "YOURKEY"),
    Setting("trongrid_key", None, "TRACERS_TRONGRID_KEY", "YOURKEY"),
    Setting("runner", "--runner", "TRACERS_RUNNER", "dask", default="threads", parse=_runner),
    Setting("dask_address", "--dask-address", "TRACERS_DASK_ADDRESS", "tcp://dask-scheduler:8786"),
)}


def variables(name: str, chain: str | None = None) -> list[str]:
    """The environment variables `name` is read from, first match wins."""
    setting = SETTINGS[name]
    found = []
    if setting.per_chain and chain:
        found.append(f"{setting.env}_{chain.strip().upper()}")
    if setting.generic:
        found.append(setting.env)
    return found


def resolve(name: str, given: Any = None, chain: str | None = None,
            environ: Mapping[str, str] | None = None) -> Any:
    """The value of setting `name`: `given` (the command line, a flow parameter) when not None/empty,
    else the first variable of `variables(name, chain)` that is set, else the default."""
    setting = SETTINGS[name]
    if given is not None and given != "":
        return given
    env = os.environ if environ is None else environ
    for variable in variables(name, chain):
        text = env.get(variable, "")
        if text.strip():
            try:
                return setting.parse(text)
            except ValueError as exc:
                raise SettingError(f"{variable}={text!r}: {exc}, e.g. {variable}={setting.example}") from None
    return setting.default


def where(name: str, chain: str | None = None) -> str:
    """How a user gives setting `name`, for error messages: the flag, then the variables."""
    setting = SETTINGS[name]
    names = " or ".join(variables(name, chain))
    if setting.option is None:
        return f"set {names}"
    return f"give {setting.option} {setting.example}, or set {names}" if names else f"give {setting.option}"


def environment_help(name: str) -> str:
    """`Env: ...` for a command-line option's help text."""
    setting = SETTINGS[name]
    parts = ([f"{setting.env}_<CHAIN>"] if setting.per_chain else []) + ([setting.env] if setting.generic else [])
    return "Env: " + ", then ".join(parts) + "."
