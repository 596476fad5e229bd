"""Read tags from CSV: `address,label[,category,actor,source,confidence,abuse,context,concepts]`.

An optional `chain` column names each row's chain: a tracers chain name (ethereum, tron, ...) or a
GraphSense code for one (ETH, TRX, BEP20, USDT, ...); anything else is refused. A GraphSense
`network` / `currency` column may also name a ledger tracers does not follow (XRP, LTC, ...), kept
as written. Without them, or where the cells are empty, the chain is told by the address form; a
row whose chain cannot be told is a problem. `concepts` holds ids separated by `;`. Other columns
are ignored.
"""

from __future__ import annotations

import csv
import io

from tracers.chains import shorten
from tracers.tags.fields import build_tag
from tracers.tags.model import Tag

REQUIRED_COLUMNS = ("address", "label")


def parse_tag_csv(text: str, name: str) -> tuple[list[Tag], list[str], list[str]]:
    """(tags, problems, warnings) of the CSV `text`; `name` prefixes every message."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return _refused(
            f"{name}: the file is empty: start it with the header address,label,category"
        )
    except csv.Error as exc:
        return _refused(f"{name}: line 1: not valid CSV ({exc})")
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return _refused(
            f"{name}: line 1: the header lacks {', '.join(missing)}: it reads "
            f"{shorten(','.join(header))}; start the file with address,label,category"
        )

    tags: list[Tag] = []
    problems: list[str] = []
    warnings: list[str] = []
    index = 0
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                f"{name}: tag {index} (line {line}): not valid CSV ({exc}): "
                "check the quotes on that line"
            )
            break
        where = f"{name}: tag {index} (line {line})"
        if any(cell.strip() for cell in cells):
            if len(cells) > len(columns):
                problems.append(
                    f"{where}: {len(cells)} cells for {len(columns)} columns: "
                    "quote any value that holds a comma"
                )
            else:
                row = {c: (v.strip() or None) for c, v in zip(columns, cells, strict=False)}
                tag = build_tag(
                    row, {}, index=index, line=line, where=where, problems=problems,
                    warnings=warnings, infer_chain=True,
                )  # fmt: skip
                if tag is not None:
                    tags.append(tag)
            index += 1
        line = reader.line_num + 1
    if index == 0 and not problems:
        problems.append(f"{name}: no tags below the header: add one row per address")
    return tags, problems, warnings


def _refused(problem: str) -> tuple[list[Tag], list[str], list[str]]:
    return [], [problem], []
