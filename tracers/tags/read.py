"""Read one tag file (TagPack YAML or CSV) into a validated `TagFile`, or fail with all problems."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from tracers.errors import TagFileError
from tracers.tags.model import TagFile
from tracers.tags.tagcsv import parse_tag_csv
from tracers.tags.tagpack import header_about, parse_tagpack
from tracers.tags.taxonomy import read_categories

_PARSERS = {".yaml": parse_tagpack, ".yml": parse_tagpack, ".csv": parse_tag_csv}

# The largest tag file read: 16 MiB of CSV is some 120,000 tags, read in 260 MB (a TagPack is
# bounded sooner by its node count, tagpack.MAX_YAML_NODES), so reading one file stays well under
# 1 GiB of memory. A bigger collection is split into several files, each imported on its own.
MAX_TAG_FILE_BYTES = 16 * 1024 * 1024


def read_tag_file(path: str | Path) -> TagFile:
    """Parse and validate `path`; TagFileError lists every problem, each naming tag and field.

    Categories are read against the GraphSense / DW-CC taxonomy (`taxonomy.py`): the warnings say
    which spellings were mapped and which categories are unknown (kept as written).
    Pure apart from reading the file: nothing is written anywhere.
    """
    path = Path(path)
    name = path.name or str(path)
    data = _read_bytes(path, name)
    parse = _PARSERS.get(path.suffix.lower())
    if parse is None:
        raise TagFileError(
            [
                f"{name}: unknown kind of tag file {path.suffix or '(no suffix)'!r}: "
                "use a GraphSense TagPack (.yaml, .yml) or a CSV (.csv)"
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TagFileError(
            [f"{name}: line {line}: byte {exc.start} is not UTF-8: save the file as UTF-8"]
        ) from None
    tags, problems, warnings = parse(text, name)
    if problems:
        raise TagFileError(problems)
    tags, notes = read_categories(tags, name)
    about = header_about(text) if parse is parse_tagpack else {}
    return TagFile(
        path, name, hashlib.sha256(data).hexdigest(), tuple(tags), (*warnings, *notes),
        creator=about.get("creator"), issued=about.get("lastmod"),
    )


def _read_bytes(path: Path, name: str) -> bytes:
    """The bytes of the regular file `path`, at most MAX_TAG_FILE_BYTES of them."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise TagFileError(
                [f"{name}: {path} is a folder: give the tag files in it, e.g. {path}/*.yaml"]
            )
        if not stat.S_ISREG(mode):
            raise TagFileError(
                [f"{name}: {path} is not a regular file (a pipe or device): save the tags "
                 "to a file and give its path"]
            )
        with path.open("rb") as file:
            data = file.read(MAX_TAG_FILE_BYTES + 1)
    except OSError as exc:
        raise TagFileError(
            [f"{name}: cannot read {path}: {exc.strerror or exc}; check the path"]
        ) from None
    if len(data) > MAX_TAG_FILE_BYTES:
        raise TagFileError(
            [f"{name}: larger than {MAX_TAG_FILE_BYTES // 2**20} MiB, the most one tag file "
             "may hold: split it into smaller files (each is imported on its own)"]
        )
    return data
