"""Facts about the code's shape that the issues promise: SQL lives in named files (not in Python
strings), the writers read only the read model, each vocabulary has one definition. Each test reads
the source tree; each fails when someone breaks the rule, naming where."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|FROM|JOIN|WHERE)\b")
NAMED_QUERY = re.compile(r"""\b(?:rows|execute|query)\(\s*(?:con,\s*)?["']([a-z_]+/[a-z0-9_]+)["']""")


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def strings(path: Path):
    """(line, text, lines spanned) of every string literal and f-string of a module."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        else:
            continue
        yield node.lineno, text, (node.end_lineno or node.lineno) - node.lineno + 1


def multi_line_sql(path: Path) -> list[int]:
    """Lines where a string of two or more source lines (or with a line break) holds SQL."""
    return sorted({line for line, text, span in strings(path)
                   if (span > 1 or "\n" in text.strip()) and len(SQL_WORDS.findall(text)) >= 2})


def test_the_sql_detector_sees_sql_in_python_strings_and_not_prose(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('Q = """\nSELECT a\nFROM t\n"""\nDOC = """Selects from\nthe table."""\n'
                      'F = (f"SELECT {x} "\n     "FROM t WHERE y = 1")\nONE = "SELECT 1 FROM t"\n')
    assert multi_line_sql(module) == [1, 7]


def test_no_multi_line_sql_in_python_outside_the_store_helpers():
    hits = [f"{path.relative_to(ROOT)}:{line}" for path in python_files("tracers", "flows")
            if "tracers/store/" not in path.as_posix() for line in multi_line_sql(path)]
    assert hits == [], f"SQL in Python strings (move it to a named file under sql/): {hits}"


def test_every_sql_file_is_named_for_itself_with_a_purpose():
    for path in sorted((ROOT / "sql").rglob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == f"-- name: {path.stem}", path
        assert lines[1].startswith("-- ") and len(lines[1]) > 10, f"{path}: a one-line purpose after the name"


def test_every_named_query_the_code_runs_exists_and_every_read_query_is_run():
    used = {name for path in python_files("tracers", "flows")
            for name in NAMED_QUERY.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern finds the named queries the code runs"
    missing = sorted(name for name in used if not (ROOT / "sql" / f"{name}.sql").is_file())
    assert missing == [], f"named queries without a file: {missing}"
    unused = sorted(f"queries/{p.stem}" for p in (ROOT / "sql" / "queries").glob("*.sql")
                    if f"queries/{p.stem}" not in used)
    assert unused == [], f"files in sql/queries/ nothing runs: {unused}"


def test_writers_and_the_report_read_only_from_the_read_model():
    offenders = []
    for path in python_files("tracers/exports"):
        text = path.read_text(encoding="utf-8")
        if ".execute(" in text or "store.queries" in text:
            offenders.append(f"{path.relative_to(ROOT)}: queries the store itself")
        for module in re.findall(r"^\s*from (tracers\.findings\.\w+) import", text, flags=re.M):
            offenders.append(f"{path.relative_to(ROOT)}: imports {module} past tracers.findings")
    assert offenders == []


def test_each_vocabulary_is_defined_once():
    definitions = {
        "ROLES": re.compile(r"^ROLES\s*=", re.M),
        "TaintModel": re.compile(r"^class TaintModel\b", re.M),
        "SourceKind": re.compile(r"^class SourceKind\b", re.M),
        "Chain": re.compile(r"^class Chain\b", re.M),
        "iso_utc": re.compile(r"^def iso_utc\b", re.M),
        "format_units": re.compile(r"^def format_units\b", re.M),
    }
    found: dict[str, list[str]] = {name: [] for name in definitions}
    for path in python_files("tracers", "flows"):
        text = path.read_text(encoding="utf-8")
        for name, pattern in definitions.items():
            if pattern.search(text):
                found[name].append(path.relative_to(ROOT).as_posix())
    assert found == {
        "ROLES": ["tracers/domain.py"], "TaintModel": ["tracers/domain.py"],
        "SourceKind": ["tracers/domain.py"], "Chain": ["tracers/chains.py"],
        "iso_utc": ["tracers/domain.py"], "format_units": ["tracers/amounts.py"],
    }
