"""What a tag file becomes once read: one `Tag` per row of the `tags` table, in a `TagFile`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tag:
    """One attribution of one address, validated, with header fields already inherited."""

    index: int  # position in its file, 0-based
    line: int | None  # line in the file where the tag starts (YAML item, CSV record)
    chain: str  # tracers chain name, or the TagPack currency lowercased for chains tracers lacks
    address: str  # canonical form on chains tracers knows, else as written
    label: str
    category: str | None = None
    actor: str | None = None
    confidence: int | None = None  # 0-100
    source: str | None = None
    abuse: str | None = None
    is_public: bool | None = None
    concepts: tuple[str, ...] = ()
    context: str | None = None


@dataclass(frozen=True)
class TagFile:
    """A whole tag file that validated: its tagpack name (the file's basename) and its tags."""

    path: Path
    tagpack: str
    sha256: str
    tags: tuple[Tag, ...]
    # tags kept after a correction the file's reader should know of: an address kept on another
    # chain, a category spelling read as its taxonomy id, a category outside the taxonomy
    warnings: tuple[str, ...] = ()
    creator: str | None = None  # the TagPack header's creator (who issued the file)
    issued: str | None = None  # the TagPack header's lastmod (the file's own date), as written


@dataclass(frozen=True)
class Provenance:
    """Where a tag file came from, as the analyst states it at import: a partner organisation
    (None: the unit's own or public tags) and the TLP marking it was shared under."""

    source_org: str | None = None
    tlp: str | None = None  # a tracers.domain.Tlp value
