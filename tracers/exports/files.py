"""Writing export files: safe file names, whole files only (temp file + rename), LF endings."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from tracers.output import to_csv_text

_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_stem(name: str) -> str:
    """A file name stem from an actor name: lowercase [a-z0-9_-] only (`Crypto.com` -> `crypto_com`)."""
    stem = _UNSAFE.sub("_", (name or "").lower()).strip("_-")
    if not re.search(r"[a-z0-9]", stem):
        stem = "unknown_exchange"
    return stem + "_" if stem in _WINDOWS_RESERVED else stem


def unique_stems(names: list[str]) -> dict[str, str]:
    """Each distinct name -> its stem; names whose stems collide get a short hash of the name."""
    stems = {name: safe_stem(name) for name in sorted(set(names))}
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem] = counts.get(stem, 0) + 1
    return {
        name: stem if counts[stem] == 1 else f"{stem}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
        for name, stem in stems.items()
    }


def csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    """UTF-8 CSV, LF line endings, every cell neutralised against formula injection."""
    return to_csv_text(rows, columns).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_whole(path: Path, data: bytes) -> None:
    """Write `path` so that it is either its old self or entirely `data`, never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes 0600; an export is an ordinary file
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
