"""Writing export files: safe file names, whole files only (temp file + rename), LF endings, and
the checks of `--out` that run before any work.

- `out_file(path, force=...)`: a file to write, in a folder that exists and can be written in; a
  plain file there already is replaced only with --force.
- `out_folder(path)`: a folder to write into: one that exists, or a new one in a folder that exists.
- `check_replaceable(folder, names, force=...)`: the files an export is about to write in its
  folder; plain files already there are replaced only with --force.
- A folder, a symbolic link, a pipe, a socket or a device where a file would go is never replaced,
  with --force or without: tracers writes plain files only, and never through a link.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tracers.errors import OutputError
from tracers.exports.manifest import MANIFEST_NAME
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
    """Write `path` so that it is either its old self or entirely `data`, never half written.
    A failure of the file system (no room, a name too long) is an OutputError naming the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}: give --out a path "
                          "you can write to (a shorter name, a folder with room)") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes 0600; an export is an ordinary file
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}; nothing of it was "
                          "written: free some room or give --out another place") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- --out, checked before any work -----------------------------------------------------------


def out_file(path: str | Path, *, force: bool = False) -> Path:
    """`path` as the one file an export writes: its folder exists and can be written in; a plain
    file already there only with `force`; never a folder, a link, a pipe or a device."""
    if os.fspath(path).endswith(("/", os.sep)):
        raise OutputError(f"--out {_shown(path)} ends in {os.sep}, so it names a folder: give a file "
                          "name, e.g. --out case.csv")
    path = _given(path, "a file name, e.g. --out case.csv")
    found = _lstat(path)
    if found is not None:
        _check_plain(path, found, "the name of a plain file to write")
        if not force:
            raise OutputError(f"--out {_shown(path)} exists: give --force to replace it, or another "
                              "file name")
    _check_folder(path.parent)
    return path


def out_folder(path: str | Path) -> Path:
    """`path` as the folder an export writes into: an existing folder that can be written in, or a
    new one (created by the export) in such a folder. A link to a folder is followed."""
    path = _given(path, "a folder, e.g. --out subpoena")
    found = _lstat(path)
    if found is None:
        _check_folder(path.parent)
    elif not path.is_dir():
        raise OutputError(f"--out {_shown(path)} is a file, not a folder: give --out a folder (it is "
                          "created if missing)")
    else:
        _check_folder(path)
    return path


def check_replaceable(folder: Path, names: Iterable[str], *, force: bool = False) -> None:
    """Before an export writes `names` into `folder`: none may be a folder, link, pipe or device;
    plain files already there are replaced only with `force` (all or none are named)."""
    existing = []
    for name in sorted(names):
        target = folder / name
        found = _lstat(target)
        if found is not None:
            _check_plain(target, found, "another --out folder")
            existing.append(name)
    if existing and not force:
        shown = ", ".join(existing[:10]) + (f" and {len(existing) - 10} more" if len(existing) > 10 else "")
        raise OutputError(f"{_shown(folder)} holds {shown} already (an earlier export?): give --force "
                          "to replace them, or another --out folder; nothing was written")


def _given(path: str | Path, example: str) -> Path:
    text = os.fspath(path)
    if not text.strip():
        raise OutputError(f"--out is empty: give {example}")
    if "\0" in text:
        raise OutputError(f"--out {_shown(text)} holds a NUL character: give {example}")
    try:
        os.fsencode(text)
    except UnicodeEncodeError:  # a lone surrogate: no file system can hold that name
        raise OutputError(f"--out {_shown(text)} is not a valid file name (it holds a character "
                          f"that cannot be encoded): give {example}") from None
    return Path(text)


def _lstat(path: Path) -> os.stat_result | None:
    """What is at `path` (a link itself, not what it points to), or None when nothing is."""
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise OutputError(f"cannot use --out {_shown(path)}: {exc.strerror or exc}: give another "
                          "path") from None


def _check_plain(path: Path, found: os.stat_result, fix: str) -> None:
    if stat.S_ISLNK(found.st_mode):
        raise OutputError(f"{_shown(path)} is a symbolic link: tracers never writes through a link or "
                          f"replaces one, even with --force: remove it, or give {fix}")
    if stat.S_ISDIR(found.st_mode):
        raise OutputError(f"{_shown(path)} is a folder where a file would go: tracers never replaces "
                          f"a folder, even with --force: give {fix}")
    if not stat.S_ISREG(found.st_mode):
        raise OutputError(f"{_shown(path)} is not a plain file (a pipe, socket or device): tracers "
                          f"never replaces one, even with --force: give {fix}")


def _check_folder(folder: Path) -> None:
    """`folder` exists, is a folder (or a link to one), and can be written in."""
    folder = folder if str(folder) else Path(".")
    if _lstat(folder) is None:
        blocker = next((p for p in folder.parents if _lstat(p) is not None and not p.is_dir()), None)
        if blocker is not None:
            raise OutputError(f"{_shown(blocker)} is a file, not a folder: give --out a path in an "
                              "existing folder")
        raise OutputError(f"folder {_shown(folder)} does not exist: create it first "
                          f"(mkdir -p {_shown(folder)}), or give --out a path in an existing folder")
    if not folder.is_dir():
        raise OutputError(f"{_shown(folder)} is a file, not a folder: give --out a path in an "
                          "existing folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in folder {_shown(folder)} (permission denied): give --out a "
                          "folder you can write in")


def _shown(path: str | Path) -> str:
    """A path as a message shows it: as is, or quoted with escapes when it holds control characters."""
    text = os.fspath(path)
    return text if text.isprintable() else repr(text)


def write_export_folder(out_dir: Path, files: dict[str, bytes], manifest: bytes, *, force: bool) -> tuple[str, ...]:
    """Write an export folder: what would be replaced is checked first (`force`), the old
    manifest goes first, each file is written whole, the manifest (listing them) last, so a folder
    with a manifest holds a complete export. Returns the other files found in the folder, left alone."""
    check_replaceable(out_dir, [*files, MANIFEST_NAME], force=force)
    out_dir.mkdir(exist_ok=True)
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    for name in sorted(files):
        write_whole(out_dir / name, files[name])
    write_whole(out_dir / MANIFEST_NAME, manifest)
    written = {MANIFEST_NAME, *files}
    return tuple(sorted(p.name for p in out_dir.iterdir() if p.name not in written))
