"""Named queries. Every query the library runs lives in a file under `sql/` (`sql/queries/` for the
read side, `sql/heuristics/`, `sql/import/`, `sql/monitor/`, ... for the rest): one query per file,
a `-- name: <file name>` header and a one-line purpose, every value bound as a `$name` parameter.
Python names the query and passes the parameters; it never assembles SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import duckdb

from tracers.errors import StoreError
from tracers.store.connection import read_sql

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@cache
def query(name: str) -> str:
    """The text of `sql/<name>.sql` (e.g. `queries/deposit_flows`), its header checked."""
    text = read_sql(f"{name}.sql")
    stem = name.rsplit("/", 1)[-1]
    if not text.startswith(f"-- name: {stem}\n"):
        raise StoreError(f"sql/{name}.sql does not start with `-- name: {stem}`; reinstall tracers")
    return text


def parameters(text: str) -> frozenset[str]:
    """The `$name` parameters a query uses."""
    return frozenset(_PARAMETER.findall(re.sub(r"--[^\n]*", "", text)))


def bound(text: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of `params` the query uses; a parameter it uses and `params` lacks is a bug."""
    used = parameters(text)
    missing = used - params.keys()
    if missing:
        raise TypeError(f"query needs parameter(s) {', '.join(sorted(missing))}")
    return {k: v for k, v in params.items() if k in used}


def rows(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
    """Run the named query with its parameters bound; every row."""
    text = query(name)
    return con.execute(text, bound(text, params or {})).fetchall()


def execute(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> None:
    """Run the named statement (a write, a temp table) with its parameters bound."""
    text = query(name)
    con.execute(text, bound(text, params or {}))
