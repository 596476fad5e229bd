"""Read a GraphSense TagPack (YAML): header fields inherited by each tag, every problem collected.

Scalars are read as text except booleans and null, so an unquoted `0x...` address stays the address
as written rather than becoming a number, and `lastmod: 2024-02-26` stays a string.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from tracers.tags.fields import build_tag, parse_defaults
from tracers.tags.model import Tag

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_AS_TEXT = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}


class _TextLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that leaves numbers and dates as the text written."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _AS_TEXT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# Header fields that describe the pack itself; every other header field is a default for its tags.
HEADER_ONLY = frozenset({"title", "creator", "description", "owner", "tags"})


def parse_tagpack(text: str, name: str) -> tuple[list[Tag], list[str], list[str]]:
    """(tags, problems, warnings) of the TagPack `text`; `name` prefixes every message."""
    try:
        document, lines = _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = exc.problem or exc.context
        return _refused(
            f"{name}: {where}not valid YAML ({what}): check the indentation and quoting"
        )
    except yaml.YAMLError as exc:
        return _refused(f"{name}: not valid YAML ({exc}): check the file is a TagPack")
    if not isinstance(document, Mapping) or not isinstance(document.get("tags"), list):
        return _refused(
            f"{name}: header, field 'tags': missing: a TagPack is a mapping with a `tags:` list "
            "(and header fields such as title, creator, label, currency)"
        )
    if not document["tags"]:
        return _refused(f"{name}: header, field 'tags': the list is empty: add at least one tag")

    problems: list[str] = []
    warnings: list[str] = []
    tags: list[Tag] = []
    header = {k: v for k, v in document.items() if k not in HEADER_ONLY}
    defaults = parse_defaults(header, f"{name}: header", problems)
    for index, item in enumerate(document["tags"]):
        line = lines[index] if index < len(lines) else None
        where = f"{name}: tag {index}" + (f" (line {line})" if line else "")
        if not isinstance(item, Mapping):
            problems.append(
                f"{where}: expected a mapping of fields (address, label, ...), got {item!r}: "
                "start each tag with `- address: ...`"
            )
            continue
        tag = build_tag(
            item,
            defaults,
            index=index,
            line=line,
            where=where,
            problems=problems,
            warnings=warnings,
        )
        if tag is not None:
            tags.append(tag)
    return tags, problems, warnings


def _refused(problem: str) -> tuple[list[Tag], list[str], list[str]]:
    return [], [problem], []


def _load(text: str) -> tuple[object, list[int]]:
    """The document, and the line (1-based) where each item of its `tags` list starts."""
    loader = _TextLoader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "tags" and isinstance(value, yaml.SequenceNode):
                lines = [item.start_mark.line + 1 for item in value.value]
    return document, lines
