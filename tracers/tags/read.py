"""Read one tag file (TagPack YAML or CSV) into a validated `TagFile`, or fail with all problems."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tracers.errors import TagFileError
from tracers.tags.model import TagFile
from tracers.tags.tagcsv import parse_tag_csv
from tracers.tags.tagpack import parse_tagpack
from tracers.tags.taxonomy import read_categories

_PARSERS = {".yaml": parse_tagpack, ".yml": parse_tagpack, ".csv": parse_tag_csv}


def read_tag_file(path: str | Path) -> TagFile:
    """Parse and validate `path`; TagFileError lists every problem, each naming tag and field.

    Categories are read against the GraphSense / DW-CC taxonomy (`taxonomy.py`): the warnings say
    which spellings were mapped and which categories are unknown (kept as written).
    Pure apart from reading the file: nothing is written anywhere.
    """
    path = Path(path)
    name = path.name
    parse = _PARSERS.get(path.suffix.lower())
    if parse is None:
        raise TagFileError(
            [
                f"{name}: unknown kind of tag file {path.suffix or '(no suffix)'!r}: "
                "use a GraphSense TagPack (.yaml, .yml) or a CSV (.csv)"
            ]
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TagFileError(
            [f"{name}: cannot read {path}: {exc.strerror}; check the path"]
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TagFileError(
            [f"{name}: byte {exc.start} is not UTF-8: save the file as UTF-8"]
        ) from None
    tags, problems, warnings = parse(text, name)
    if problems:
        raise TagFileError(problems)
    tags, notes = read_categories(tags, name)
    return TagFile(
        path, name, hashlib.sha256(data).hexdigest(), tuple(tags), (*warnings, *notes)
    )
