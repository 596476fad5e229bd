"""Write tag files to the store: each file is a tagpack, replaced whole in its own transaction.

A file that does not validate writes nothing; the other files of the same import still land. A
re-import of the same file replaces its rows (DELETE + INSERT), so importing twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from tracers.errors import TagFileError
from tracers.store import transaction
from tracers.tags.model import TagFile
from tracers.tags.read import read_tag_file

_COLUMNS = {
    "tagpack": pa.string(),
    "tag_index": pa.int32(),
    "chain": pa.string(),
    "address": pa.string(),
    "label": pa.string(),
    "category": pa.string(),
    "actor": pa.string(),
    "confidence": pa.int32(),
    "source": pa.string(),
    "abuse": pa.string(),
    "is_public": pa.bool_(),
    "concepts": pa.list_(pa.string()),
    "context": pa.string(),
}


@dataclass(frozen=True)
class FileResult:
    """What became of one file: `count` tags imported, or the `error` that kept it out."""

    path: Path
    tagpack: str
    count: int | None = None
    error: TagFileError | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ImportResult:
    files: tuple[FileResult, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def imported(self) -> int:
        """Tags written, over all files that imported."""
        return sum(f.count or 0 for f in self.files)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if not f.ok)


def import_tag_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    progress: Callable[[FileResult], None] | None = None,
) -> ImportResult:
    """Validate and store each file in turn; `progress` is called with each file's result.

    Each file is its own unit of work: it lands whole or not at all, and a bad file does not stop
    the next. Two files with the same basename would be the same tagpack, so the second is refused.
    Call it outside an open transaction: each file opens its own. Store errors (duckdb) propagate.
    """
    results: list[FileResult] = []
    seen: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.name in seen:
            error = TagFileError(
                [
                    f"{path.name}: same tagpack name as {seen[path.name]} in this "
                    "import (a tagpack is named by its file name): rename one"
                ]
            )
            result = FileResult(path, path.name, error=error)
        else:
            seen[path.name] = path
            result = _import_one(con, path)
        results.append(result)
        if progress is not None:
            progress(result)
    return ImportResult(tuple(results))


def _import_one(con: duckdb.DuckDBPyConnection, path: Path) -> FileResult:
    try:
        tag_file = read_tag_file(path)
    except TagFileError as exc:
        return FileResult(path, path.name, error=exc)
    write_tag_file(con, tag_file)
    return FileResult(path, tag_file.tagpack, count=len(tag_file.tags), warnings=tag_file.warnings)


def write_tag_file(
    con: duckdb.DuckDBPyConnection, tag_file: TagFile, imported_at: datetime | None = None
) -> None:
    """Replace the tagpack's rows with the file's tags and record the import, in one transaction."""
    batch = tags_table(tag_file)
    detail = {
        "path": str(tag_file.path.resolve()),
        "sha256": tag_file.sha256,
        "count": len(tag_file.tags),
        "warnings": list(tag_file.warnings),
    }
    columns = ", ".join(_COLUMNS)
    with transaction(con):
        con.execute("DELETE FROM tags WHERE tagpack = ?", [tag_file.tagpack])
        con.register("tags_batch", batch)
        try:
            con.execute(f"INSERT INTO tags ({columns}) SELECT {columns} FROM tags_batch")
        finally:
            con.unregister("tags_batch")
        con.execute(
            "INSERT OR REPLACE INTO imports (import_id, kind, detail, imported_at) "
            "VALUES (?, 'tags', ?, ?)",
            [f"tags:{tag_file.tagpack}", json.dumps(detail), imported_at or datetime.now(UTC)],
        )


def tags_table(tag_file: TagFile) -> pa.Table:
    """The file's tags as an Arrow table with the columns of the `tags` table."""
    tags = tag_file.tags
    columns = {
        "tagpack": [tag_file.tagpack] * len(tags),
        "tag_index": [t.index for t in tags],
        "chain": [t.chain for t in tags],
        "address": [t.address for t in tags],
        "label": [t.label for t in tags],
        "category": [t.category for t in tags],
        "actor": [t.actor for t in tags],
        "confidence": [t.confidence for t in tags],
        "source": [t.source for t in tags],
        "abuse": [t.abuse for t in tags],
        "is_public": [t.is_public for t in tags],
        "concepts": [list(t.concepts) for t in tags],
        "context": [t.context for t in tags],
    }
    return pa.table({name: pa.array(columns[name], type=kind) for name, kind in _COLUMNS.items()})
