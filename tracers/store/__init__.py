"""The case store: one DuckDB file, its schema, and the named queries the rest of tracers uses."""

from tracers.store.connection import connect, schema_version, sql_dir, transaction

__all__ = ["connect", "schema_version", "sql_dir", "transaction"]
