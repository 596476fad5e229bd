"""Read a GraphSense TagPack (YAML): header fields inherited by each tag, every problem collected.

Scalars are read as text except booleans and null, so an unquoted `0x...` address stays the address
as written rather than becoming a number, and `lastmod: 2024-02-26` stays a string.

The YAML's shape is measured from its parse events before anything is built (`measure`): a
document nested deeper than MAX_YAML_DEPTH, or holding more than MAX_YAML_NODES nodes once every
alias (`*name`, `<<: *name`) is expanded, is refused, so a few hundred bytes of aliases (a "billion
laughs") cannot take minutes and gigabytes; an alias inside its own anchor is refused too, and so
is a key given twice in one mapping (YAML would silently keep the last).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import yaml

from tracers.chains import shorten
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

# Bounds on one TagPack. A tag of 3 fields takes 7 nodes (its mapping, 3 keys, 3 values), so
# 600,000 nodes is some 85,000 such tags (11 MB); reading that many took 430 MB and 10 s here, and
# 600,000 nodes in one list 300 MB. A TagPack nests 4 deep (header, tags, tag, context mapping).
MAX_YAML_NODES = 600_000
MAX_YAML_DEPTH = 32


def parse_tagpack(text: str, name: str) -> tuple[list[Tag], list[str], list[str]]:
    """(tags, problems, warnings) of the TagPack `text`; `name` prefixes every message."""
    try:
        shape = measure(text, name)
        if shape:
            return [], shape, []
        document, lines = _load(text)
    except ValueError as exc:  # a value YAML reads but Python cannot (!!int of 5,000 digits, ...)
        reason = str(exc).split(";")[0]
        return _refused(f"{name}: a value cannot be read ({reason}): write it as quoted text")
    except yaml.reader.ReaderError as exc:  # libyaml counts the position in UTF-8 bytes
        at = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return _refused(
            f"{name}: line {at}: character {code:#04x} is not allowed in YAML "
            f"({exc.reason}): remove it"
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = exc.problem or exc.context
        return _refused(
            f"{name}: {where}not valid YAML ({what}): check the indentation and quoting"
        )
    except yaml.YAMLError as exc:
        return _refused(f"{name}: not valid YAML ({exc}): check the file is a TagPack")
    if not isinstance(document, Mapping) or document.get("tags") is None:
        return _refused(
            f"{name}: header, field 'tags': missing: a TagPack is a mapping with a `tags:` list "
            "(and header fields such as title, creator, label, currency)"
        )
    if not isinstance(document["tags"], list):
        return _refused(
            f"{name}: header, field 'tags': expected a list, got {shorten(document['tags'])}: a "
            "TagPack is a mapping with a `tags:` list, each tag starting with `- address: ...`"
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
                f"{where}: expected a mapping of fields (address, label, ...), "
                f"got {shorten(item)}: "
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


def measure(text: str, name: str) -> list[str]:
    """Problems of the YAML's shape, found from its parse events before any node is built.

    Counts every node with aliases expanded (an alias counts the nodes of its anchor), stopping at
    the first bound crossed, and lists every key given twice in one mapping.
    """
    sizes: dict[str, int] = {}  # anchor -> its node count, aliases expanded
    open_nodes: list[_Open] = []  # the mappings and sequences the next event is inside
    duplicates: list[str] = []
    total = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionEndEvent):
            done = open_nodes.pop()
            _close(done, open_nodes, sizes)
            continue
        if not isinstance(event, yaml.NodeEvent):  # stream and document start and end
            continue
        if isinstance(event, yaml.AliasEvent):
            if any(node.anchor == event.anchor for node in open_nodes):
                return [_refusal(name, event, f"uses the alias *{event.anchor} inside its own "
                                              f"anchor &{event.anchor} (a recursive structure)",
                                 "remove that alias")]
            size = sizes.get(event.anchor, 1) if event.anchor is not None else 1
        else:
            size = 1
        total += size
        if total > MAX_YAML_NODES:
            return [_refusal(name, event, f"holds more than {MAX_YAML_NODES:,} YAML nodes once "
                                          "its aliases (*name) are expanded",
                             "write each tag out in full instead of using aliases, or split the "
                             "file into smaller TagPacks")]
        if open_nodes:
            open_nodes[-1].note_child(event, duplicates, name)
        if isinstance(event, yaml.CollectionStartEvent):
            open_nodes.append(_Open(event.anchor, isinstance(event, yaml.MappingStartEvent)))
            if len(open_nodes) > MAX_YAML_DEPTH:
                return [_refusal(name, event, f"nests deeper than {MAX_YAML_DEPTH} levels",
                                 "a tag is a mapping of plain fields: flatten the nesting")]
        else:
            _close(_Open(event.anchor, False, size), open_nodes, sizes)
    return duplicates


class _Open:
    """A node while `measure` reads it: its anchor, its node count so far, the keys it has."""

    def __init__(self, anchor: str | None, is_mapping: bool, size: int = 1):
        self.anchor = anchor
        self.is_mapping = is_mapping
        self.size = size
        self.children = 0
        self.keys: set[str] = set()

    def note_child(self, event: yaml.NodeEvent, duplicates: list[str], name: str) -> None:
        """Count one child; in a mapping every other child is a key, and a scalar key seen
        before in the same mapping is reported."""
        is_key = self.is_mapping and self.children % 2 == 0
        self.children += 1
        if not (is_key and isinstance(event, yaml.ScalarEvent)):
            return
        if event.value in self.keys:
            duplicates.append(
                f"{name}: line {_line(event)}, field {shorten(event.value)}: "
                "given twice in one mapping (YAML would keep only the last): keep one"
            )
        self.keys.add(event.value)


def _close(node: _Open, open_nodes: list[_Open], sizes: dict[str, int]) -> None:
    """A node is complete: remember its size under its anchor and add it to its parent's."""
    if node.anchor:
        sizes[node.anchor] = node.size
    if open_nodes:
        open_nodes[-1].size += node.size


def _refusal(name: str, event: yaml.Event, what: str, fix: str) -> str:
    return f"{name}: line {_line(event)}: refused, the document {what}: {fix}"


def _line(event: yaml.Event) -> int:
    """The 1-based line an event starts on (the parser marks every event it reads)."""
    assert event.start_mark is not None
    return event.start_mark.line + 1


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


_HEADER_FIELD = re.compile(r"^(creator|lastmod):[ \t]*(.*?)[ \t]*$", re.M)


def header_about(text: str) -> dict[str, str]:
    """The TagPack's own `creator` and `lastmod` (top-level header lines), quotes removed: who
    issued the file and when, for its provenance. Absent fields are absent."""
    found: dict[str, str] = {}
    for name, value in _HEADER_FIELD.findall(text):
        value = value.strip().strip("'\"").strip()
        if value and name not in found:
            found[name] = value[:200]
    return found
