"""Write tag files to the store: each file is a tagpack, known by its name and its content.

A tag file is identified by the SHA-256 of its bytes. Importing a file whose content is stored
already changes nothing. A file named like an earlier one but with other content adds its tags
beside the earlier ones (two exports that share a name are two sources, and losing one silently
loses deposit tags); `replace=True` (`tracers tags import --replace`) removes the tags of the
earlier files of that name first. Each file is its own transaction: a file that does not validate
writes nothing, and the other files of the same import still land.
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
from tracers.store.queries import execute, rows
from tracers.tags.model import Provenance, TagFile
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
    "sha256": pa.string(),
}


@dataclass(frozen=True)
class FileResult:
    """What became of one file: its `count` tags stored (or found stored already), or the `error`
    that kept it out."""

    path: Path
    tagpack: str
    count: int | None = None
    error: TagFileError | None = None
    warnings: tuple[str, ...] = ()
    same_as: str | None = None  # the earlier import with this very content: nothing was written
    replaced: tuple[str, ...] = ()  # earlier imports of this name whose tags were removed
    beside: tuple[str, ...] = ()  # earlier imports of this name whose tags stay beside these
    provenance: Provenance = field(default_factory=Provenance)  # partner organisation and TLP, as recorded
    remarked: bool = False  # content stored already; its partner or marking was corrected

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def written(self) -> int:
        """Tags this import wrote: none for a failed file or one whose content was stored."""
        return 0 if self.error is not None or self.same_as else self.count or 0

    @property
    def summary(self) -> str:
        """One line for people: what became of the file (a failed file: its error)."""
        if self.error is not None:
            return str(self.error)
        marking = _marking(self.provenance)
        if self.same_as:
            stored = _short(self.same_as)
            if self.remarked:
                return f"{self.path.name}: tags unchanged ({stored}); now recorded as {marking}"
            return f"{self.path.name}: unchanged, this content is imported already ({stored})"
        done = f"{self.path.name}: {self.count:,} tags" + (f" {marking}" if marking else "")
        return f"{done}, replacing {_listed(self.replaced)}" if self.replaced else done

    @property
    def notes(self) -> tuple[str, ...]:
        """What the reader should know besides: earlier files of this name whose tags stay."""
        if not self.beside or self.same_as:
            return ()
        return (
            f"{self.path.name}: added beside {_listed(self.beside)} of the same name, whose tags "
            "stay; to replace them instead, import this file again with --replace",
        )


@dataclass(frozen=True)
class ImportResult:
    files: tuple[FileResult, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def imported(self) -> int:
        """Tags written, over all files that imported."""
        return sum(f.written for f in self.files)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if not f.ok)


def import_tag_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    progress: Callable[[FileResult], None] | None = None,
    replace: bool = False,
    provenance: Provenance | None = None,
) -> ImportResult:
    """Validate and store each file in turn; `progress` is called with each file's result.

    Each file is its own unit of work: it lands whole or not at all, and a bad file does not stop
    the next. With `replace`, each file's tags replace those of earlier files of the same name, so
    two files of one name in the same import are refused (the second would replace the first).
    Call it outside an open transaction: each file opens its own. Store errors (duckdb) propagate.
    `provenance` (the partner organisation and TLP marking the analyst states) is recorded for
    every file, with its path, issuer and date (tag_sources); importing stored content again with
    another provenance corrects the record and changes no tag.
    """
    results: list[FileResult] = []
    seen: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if replace and path.name in seen:
            error = TagFileError(
                [
                    f"{path.name}: same file name as {seen[path.name]} in this import, and with "
                    "--replace the second would replace the first: rename one, or import them "
                    "in two runs"
                ]
            )
            result = FileResult(path, path.name, error=error)
        else:
            seen.setdefault(path.name, path)
            result = _import_one(con, path, replace, provenance or Provenance())
        results.append(result)
        if progress is not None:
            progress(result)
    return ImportResult(tuple(results))


def _import_one(con: duckdb.DuckDBPyConnection, path: Path, replace: bool, provenance: Provenance) -> FileResult:
    try:
        tag_file = read_tag_file(path)
    except TagFileError as exc:
        return FileResult(path, path.name, error=exc)
    return write_tag_file(con, tag_file, replace=replace, provenance=provenance)


def _short(one_import: str) -> str:
    """'tags:x.yaml@<64 hex>' as 'x.yaml, sha256 3f2a1b9c0d4e...'."""
    name, _, sha = one_import.removeprefix("tags:").rpartition("@")
    return f"{name}, sha256 {sha[:12]}..." if sha else f"{name}, from before tracers kept sha256"


def _listed(imports: tuple[str, ...]) -> str:
    shown = "; ".join(_short(one) for one in imports)
    if len(imports) == 1:
        return f"the earlier file ({shown})"
    return f"{len(imports)} earlier files ({shown})"


def import_id(tagpack: str, sha256: str) -> str:
    """How the `imports` table names the import of one tag file: 'tags:<file name>@<sha256>'."""
    return f"tags:{tagpack}@{sha256}"


def write_tag_file(
    con: duckdb.DuckDBPyConnection,
    tag_file: TagFile,
    imported_at: datetime | None = None,
    replace: bool = False,
    provenance: Provenance | None = None,
) -> FileResult:
    """Store the file's tags and record the import, in one transaction; say what was done.

    Nothing is written when a file with the same content is stored already. With `replace`, the
    tags and import records of earlier files with the same name and other content go first.
    """
    provenance = provenance or Provenance()
    with transaction(con):
        same = con.execute(
            "SELECT DISTINCT tagpack FROM tags WHERE sha256 = ? ORDER BY 1", [tag_file.sha256]
        ).fetchall()
        other_versions = [
            sha
            for (sha,) in con.execute(
                "SELECT DISTINCT sha256 FROM tags WHERE tagpack = ? AND sha256 <> ? ORDER BY 1",
                [tag_file.tagpack, tag_file.sha256],
            ).fetchall()
        ]
        earlier = tuple(import_id(tag_file.tagpack, sha) for sha in other_versions)
        if replace:
            _remove(con, tag_file.tagpack, other_versions)
        recorded = None
        if same:
            found = rows(con, "tags/tag_source", {"tagpack": same[0][0], "sha256": tag_file.sha256})
            recorded = Provenance(*found[0]) if found else Provenance()
        remarked = recorded is not None and provenance != Provenance() and provenance != recorded
        result = FileResult(
            tag_file.path,
            tag_file.tagpack,
            count=len(tag_file.tags),
            warnings=tag_file.warnings,
            same_as=import_id(same[0][0], tag_file.sha256) if same else None,
            replaced=earlier if replace else (),
            beside=() if replace else earlier,
            provenance=provenance if recorded is None or remarked else recorded,
            remarked=remarked,
        )
        if not same:
            _insert(con, tag_file, imported_at, result.replaced)
        if not same or remarked:
            _save_source(con, tag_file, same[0][0] if same else tag_file.tagpack, provenance, imported_at)
    return result


def _save_source(con: duckdb.DuckDBPyConnection, tag_file: TagFile, tagpack: str, provenance: Provenance,
                 imported_at: datetime | None) -> None:
    """Where the file came from (tag_sources): path, issuer, date, partner, marking."""
    execute(con, "tags/save_tag_source", {
        "tagpack": tagpack, "sha256": tag_file.sha256, "path": str(tag_file.path.resolve()),
        "issuer": provenance.source_org or tag_file.creator, "issued": tag_file.issued,
        "source_org": provenance.source_org, "tlp": provenance.tlp, "imported_at": imported_at or datetime.now(UTC),
    })


def _marking(provenance: Provenance) -> str:
    """'from partner X, TLP:AMBER' (or part of it); '' for the unit's own unmarked tags."""
    parts = ([f"from partner {provenance.source_org}"] if provenance.source_org else []) + (
        [f"TLP:{provenance.tlp.upper()}"] if provenance.tlp else [])
    return ", ".join(parts)


def _remove(con: duckdb.DuckDBPyConnection, tagpack: str, versions: list[str]) -> None:
    """Delete the tags and import records of the files named `tagpack` with these sha256s."""
    con.execute(
        "DELETE FROM tags WHERE tagpack = ? AND list_contains(?, sha256)", [tagpack, versions]
    )
    con.execute(
        "DELETE FROM imports WHERE kind = 'tags' AND list_contains(?, import_id)",
        [[import_id(tagpack, sha) for sha in versions]],
    )
    con.execute("DELETE FROM tag_sources WHERE tagpack = ? AND list_contains(?, sha256)", [tagpack, versions])


def _insert(
    con: duckdb.DuckDBPyConnection,
    tag_file: TagFile,
    imported_at: datetime | None,
    replaced: tuple[str, ...],
) -> None:
    """Write the file's tags and its import record (path, sha256, count, warnings, what it
    replaced) inside the caller's transaction."""
    batch = tags_table(tag_file)
    detail = {
        "path": str(tag_file.path.resolve()),
        "sha256": tag_file.sha256,
        "count": len(tag_file.tags),
        "warnings": list(tag_file.warnings),
        "replaced": list(replaced),
    }
    columns = ", ".join(_COLUMNS)
    con.register("tags_batch", batch)
    try:
        con.execute(f"INSERT INTO tags ({columns}) SELECT {columns} FROM tags_batch")
    finally:
        con.unregister("tags_batch")
    con.execute(
        "INSERT OR REPLACE INTO imports (import_id, kind, detail, imported_at) "
        "VALUES (?, 'tags', ?, ?)",
        [
            import_id(tag_file.tagpack, tag_file.sha256),
            json.dumps(detail),
            imported_at or datetime.now(UTC),
        ],
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
        "sha256": [tag_file.sha256] * len(tags),
    }
    return pa.table({name: pa.array(columns[name], type=kind) for name, kind in _COLUMNS.items()})
