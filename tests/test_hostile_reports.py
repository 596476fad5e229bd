"""Hostile victim-report files and case ids (issue 12).

Every case asserts what an analyst sees: exit code 1 (the file or the id refused), 2 (usage) or 3
(rows refused, the valid ones imported); one message naming the file, line and field and saying the
fix; never a traceback; a refused file leaves the store as it was; the good row of a file with bad
rows still goes in.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import MiniChain, write_csv
from tracers.amounts import format_units
from tracers.cases import open_case
from tracers.cli import EXIT_REFUSED, app
from tracers.errors import TracersError
from tracers.etl import import_etl
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.intake import csvfile
from tracers.intake.parse import parse_amount
from tracers.store import connect

CASE = "FIU-HOSTILE-1"
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
VICTIM = "0x5aeda56215b167893e80b4fe645ba6d5bab767de"
SCAM = "0x6330a553fc93768f612722bb8c2ec78ac90b3bbc"
HEADER = ",".join(REPORT_COLUMNS)
MAX_AMOUNT = 2**256 - 1  # the most an ERC-20 or TRC-20 transfer can move
REFUSAL_CODES = {
    "missing_field", "bad_row", "bad_report_id", "bad_reported_at", "unknown_chain", "bad_tx_hash",
    "bad_address", "bad_checksum", "same_address", "unknown_asset", "bad_amount", "duplicate_report_id",
    "tx_not_found", "tx_failed", "transfer_mismatch", "amount_mismatch", "paid_after_report",
    "report_id_taken",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store file: the victim pays the scam 2,500.50 USDT, then 1.5 ETH; the case is open."""
    folder = tmp_path_factory.mktemp("hostile")
    chain = MiniChain(folder / "chain")
    usdt_tx, _ = chain.pay_token(USDT, VICTIM, SCAM, 2_500_500_000)
    chain.new_block()
    eth_tx = chain.pay_ether(VICTIM, SCAM, 1_500_000_000_000_000_000)
    con = connect(folder / "template.duckdb")
    import_etl(con, chain.write())
    open_case(con, CASE)
    con.close()
    return {"db": folder / "template.duckdb", "usdt": usdt_tx, "eth": eth_tx}


@pytest.fixture
def world(template, tmp_path):
    """A copy of the template store of this test's own."""
    db = tmp_path / "hostile.duckdb"
    shutil.copyfile(template["db"], db)
    return dict(template, db=db)


@pytest.fixture
def store(world):
    """An open connection to the world's store, for library-level tests."""
    con = connect(world["db"])
    yield con
    con.close()


def good(world, report_id="GOOD", **cells) -> dict:
    """A report every check accepts: the 1.5 ETH payment."""
    return {"report_id": report_id, "reported_at": "2026-03-01T14:05:00Z", "chain": "ethereum",
            "asset": "ETH", "tx_hash": world["eth"], "victim_address": VICTIM, "scam_address": SCAM,
            "amount": "1.5", **cells}


def usdt(world, report_id="R1", **cells) -> dict:
    return good(world, report_id, **{"asset": "USDT", "tx_hash": world["usdt"], "amount": "2500.50", **cells})


def line_of(row: dict) -> str:
    """A row as a CSV line, each cell quoted as a spreadsheet would."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([row[c] for c in REPORT_COLUMNS])
    return buffer.getvalue()


def cli(world, *args):
    result = CliRunner().invoke(app, ["--db", str(world["db"]), *map(str, args)])
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result, " ".join(output.split())


def snapshot(world) -> tuple:
    con = connect(world["db"])
    try:
        return tuple(
            con.execute(f"SELECT * EXCLUDE (imported_at) FROM {t} ORDER BY ALL").fetchall()
            if t == "reports" else con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("cases", "reports", "seeds")
        )
    finally:
        con.close()


def seeded(world) -> dict[str, str]:
    """report_id -> the transaction its seed rests on."""
    con = connect(world["db"])
    try:
        return dict(con.execute("SELECT report_id, tx_hash FROM seeds WHERE case_id = ?", [CASE]).fetchall())
    finally:
        con.close()


# ------------------------------------------------------------------ whole files refused

def _text(text: str):
    return lambda w, p: p.write_text(text, encoding="utf-8")


def _bytes(data: bytes):
    return lambda w, p: p.write_bytes(data)


WHOLE_FILE = {
    "folder": (lambda w, p: p.mkdir(), ["is a folder", "the reports CSV file itself"]),
    "missing": (lambda w, p: None, ["no such file", "check the path"]),
    "empty": (_bytes(b""), ["is empty", "the first line must be report_id,reported_at"]),
    "blank lines only": (_text("\n \n\n"), ["is empty", "tracers reports template"]),
    "latin-1 on line 3": (
        lambda w, p: p.write_bytes((HEADER + "\n" + line_of(good(w))).encode() + "R2,café\n".encode("latin-1")),
        ["line 3 is not UTF-8", "byte 0xe9", "CSV UTF-8"],
    ),
    "utf-16": (lambda w, p: p.write_bytes((HEADER + "\n").encode("utf-16")), ["line 1 is not UTF-8", "CSV UTF-8"]),
    "utf-16 without BOM": (lambda w, p: p.write_bytes((HEADER + "\n").encode("utf-16-le")),
                           ["line 1 holds a NUL character", "CSV UTF-8"]),
    "gzip": (lambda w, p: p.write_bytes(gzip.compress((HEADER + "\n" + line_of(good(w))).encode())),
             ["gzip-compressed", "gunzip"]),
    "corrupt gzip": (_bytes(b"\x1f\x8b\x08\x00garbage"), ["gzip-compressed", "gunzip"]),
    "xlsx": (lambda w, p: _zip(p), ["ZIP archive", "save the sheet as 'CSV UTF-8'"]),
    "duplicated column": (_text(HEADER + ",amount\n"), ["line 1", "column 'amount' appears more than once"]),
    "missing column": (_text(HEADER.replace(",amount", "") + "\n"), ["header lacks amount"]),
    "unknown column": (_text(HEADER + ",notes\n"), ["unknown column(s) 'notes'", "the first line must be"]),
    "quote never closed": (lambda w, p: p.write_text(HEADER + "\n" + line_of(good(w)) + 'R2,"2026-03-01\n'),
                           ["line 3", "never closed"]),
    "quote inside a cell": (lambda w, p: p.write_text(HEADER + "\n" + line_of(good(w)).replace("1.5", '"1"5')),
                            ["line 2: not valid CSV", "double the quotes"]),
}


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")


@pytest.mark.parametrize("name", list(WHOLE_FILE))
def test_a_file_that_cannot_be_read_whole_changes_nothing(world, tmp_path, name):
    make, fragments = WHOLE_FILE[name]
    assert cli(world, "reports", "import", write_csv(tmp_path / "before.csv", list(REPORT_COLUMNS),
                                                     [usdt(world)]), "--case", CASE)[0].exit_code == 0
    before = snapshot(world)
    path = tmp_path / "hostile.csv"
    make(world, path)
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == 1, output
    assert output.startswith("error: ") and str(path) in output
    for fragment in fragments:
        assert fragment in output
    assert snapshot(world) == before


def test_a_file_past_the_size_bound_is_refused_before_it_is_read(world, tmp_path, monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_FILE_BYTES", 4096)
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + "\n" + line_of(good(world)) * 40)
    before = snapshot(world)
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == 1
    assert f"{path} is larger than 4,096 bytes" in output and "split it into several files" in output
    assert snapshot(world) == before


def test_the_csv_cell_limit_is_the_file_bound_not_128_kib(world, tmp_path):
    """A 200 KB cell (csv's default limit is 128 KiB) is refused as a row; the file still goes in."""
    path = tmp_path / "wide.csv"
    path.write_text(HEADER + "\n" + line_of(good(world)) + line_of(usdt(world, amount="9" * 200_000)))
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == EXIT_REFUSED, output
    assert "refused line 3 report R1: (bad_amount) field 'amount' is 200,000 characters long" in output
    assert len(output) < 2000  # the cell is not echoed
    assert seeded(world) == {"GOOD": world["eth"]}


# ------------------------------------------------------------------ rows refused, good rows kept

ROWS = {
    "reported_at in year 9999 west of UTC": (dict(reported_at="9999-12-31T23:59:59-05:00"),
                                             "bad_reported_at", "field 'reported_at'", "outside 2009-01-03"),
    "reported_at in year 1 east of UTC": (dict(reported_at="0001-01-01T00:00:00+01:00"),
                                          "bad_reported_at", "field 'reported_at'", "outside 2009-01-03"),
    "reported_at in the future": (dict(reported_at="2099-01-01"), "bad_reported_at", "field 'reported_at'",
                                  "come from the future"),
    "reported_at before bitcoin": (dict(reported_at="2008-12-31T23:59:59Z"), "bad_reported_at",
                                   "field 'reported_at'", "predate Bitcoin"),
    "reported_at as an ISO week": (dict(reported_at="2026-W09-1"), "bad_reported_at", "field 'reported_at'",
                                   "not ISO 8601"),
    "reported_at with nanoseconds": (dict(reported_at="2026-03-01T14:05:00.123456789Z"), "bad_reported_at",
                                     "field 'reported_at'", "not ISO 8601"),
    "reported_at before the payment": (dict(reported_at="2025-12-20T00:00:00Z"), "paid_after_report",
                                       "field 'reported_at'", "is before the payment it reports"),
    "arabic-indic digits": (dict(amount="٢٣٢"), "bad_amount", "field 'amount'", "ASCII digits"),
    "fullwidth digits": (dict(amount="２３２"), "bad_amount", "field 'amount'", "ASCII digits"),
    "underscores": (dict(amount="2_500.50"), "bad_amount", "field 'amount'", "plain decimal number"),
    "exponent": (dict(amount="2.5005e3"), "bad_amount", "field 'amount'", "no exponent"),
    "sign": (dict(amount="+2500.50"), "bad_amount", "field 'amount'", "no sign"),
    "bare decimal point": (dict(amount="2500."), "bad_amount", "field 'amount'", "like 2500.50"),
    "no-break space": (dict(amount="2\u00a0500.50"), "bad_amount", "field 'amount'", "unusual space"),
    "more decimals than USDT": (dict(amount="2500.5000001"), "bad_amount", "field 'amount'", "asset has 6"),
    "2^256 and more": (dict(amount="9" * 80), "bad_amount", "field 'amount'", "2^256 - 1"),
    "amount zero": (dict(amount="0.000"), "bad_amount", "field 'amount'", "zero"),
    "zero-width space in tx_hash": (dict(tx_hash="0x\u200b" + "1" * 64), "bad_tx_hash", "field 'tx_hash'",
                                   "invisible"),
    "escape codes in report_id": (dict(report_id="R1\x1b[2J"), "bad_report_id", "field 'report_id'",
                                  "control"),
    "markup in report_id": (dict(report_id="[/bold]R1"), "bad_report_id", "field 'report_id'",
                            "use letters, digits"),
    "report_id of 129 characters": (dict(report_id="R" * 129), "bad_report_id", "field 'report_id'",
                                    "at most 128"),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_a_bad_row_is_refused_naming_line_and_field_and_the_good_row_goes_in(world, tmp_path, name):
    cells, code, field, fix = ROWS[name]
    bad = usdt(world, **cells)
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + "\n" + line_of(good(world)) + line_of(bad), encoding="utf-8")
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == EXIT_REFUSED, output
    shown_id = bad["report_id"] if bad["report_id"] == "R1" else "?"
    assert f"refused line 3 report {shown_id}: ({code}) {field}" in output
    assert fix in output
    assert "\x1b" not in output
    assert "1 accepted, 1 refused" in output
    assert seeded(world) == {"GOOD": world["eth"]}


RAW_ROWS = {
    "an unquoted decimal comma": (lambda w: line_of(usdt(w)).replace("2500.50", "2500,50"),
                                  "R1", "line 3 has 9 cells but the header has 8", 'quote a value'),
    "a cell short": (lambda w: line_of(usdt(w)).rsplit(",", 1)[0] + "\n", "R1",
                     "line 3 has 7 cells but the header has 8", "remove the extra cell"),
    "a quoted line break": (lambda w: line_of(usdt(w, report_id="R1\nR2")), "?", "line 3 runs on to line 4",
                            "put each report on one line"),
}


@pytest.mark.parametrize("name", list(RAW_ROWS))
def test_a_row_of_the_wrong_shape_is_refused_and_the_rows_after_it_go_in(world, tmp_path, name):
    make, shown_id, problem, fix = RAW_ROWS[name]
    path = tmp_path / "shape.csv"
    path.write_text(HEADER + "\n" + line_of(usdt(world, report_id="FIRST")) + make(world)
                    + line_of(good(world)), encoding="utf-8")
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == EXIT_REFUSED, output
    assert f"refused line 3 report {shown_id}: (bad_row) {problem}" in output and fix in output
    assert seeded(world) == {"FIRST": world["usdt"], "GOOD": world["eth"]}


def test_a_report_dated_shortly_before_its_payment_is_within_the_clock_skew(world, tmp_path):
    """A time written without its zone may be hours off: less than a day early is accepted."""
    path = write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), [usdt(world, reported_at="2026-01-01T00:00:00")])
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == 0, output


def test_a_file_path_with_markup_is_printed_as_it_is(world, tmp_path):
    (tmp_path / "x[").mkdir()
    path = write_csv(tmp_path / "x[" / "red].csv", list(REPORT_COLUMNS), [good(world)])
    result, output = cli(world, "reports", "import", path, "--case", CASE)
    assert result.exit_code == 0, output
    assert f"{tmp_path}/x[/red].csv: 1 accepted, 0 refused" in output


# ------------------------------------------------------------------ report ids across files

def test_a_report_id_taken_by_another_files_report_is_refused_and_the_stored_one_stays(world, tmp_path):
    first = write_csv(tmp_path / "a.csv", list(REPORT_COLUMNS), [usdt(world)])
    assert cli(world, "reports", "import", first, "--case", CASE)[0].exit_code == 0
    before = snapshot(world)
    other_victim = good(world, "R1")
    second = write_csv(tmp_path / "b.csv", list(REPORT_COLUMNS), [other_victim, good(world, "R2")])
    result, output = cli(world, "reports", "import", second, "--case", CASE)
    assert result.exit_code == EXIT_REFUSED
    assert "refused line 2 report R1: (report_id_taken) field 'report_id' 'R1' is taken" in output
    assert f"a.csv line 2, transaction {world['usdt']}" in output and "give this report its own id" in output
    assert seeded(world) == {"R1": world["usdt"], "R2": world["eth"]}
    assert [r for r in snapshot(world)[1] if r[1] == "R1"] == [r for r in before[1] if r[1] == "R1"]


def test_the_same_report_in_another_file_changes_nothing(world, tmp_path):
    first = write_csv(tmp_path / "a.csv", list(REPORT_COLUMNS), [usdt(world)])
    assert cli(world, "reports", "import", first, "--case", CASE)[0].exit_code == 0
    before = snapshot(world)
    same = usdt(world, victim_address=VICTIM.upper().replace("0X", "0x"))  # written differently, says the same
    second = write_csv(tmp_path / "b.csv", list(REPORT_COLUMNS), [good(world), same])
    result, output = cli(world, "reports", "import", second, "--case", CASE)
    assert result.exit_code == 0, output
    assert "2 accepted, 0 refused (1 new or changed)" in output
    assert [r for r in snapshot(world)[1] if r[1] == "R1"] == [r for r in before[1] if r[1] == "R1"]


# ------------------------------------------------------------------ case ids and titles

BAD_CASE_IDS = ["C9\n", "C9 ", "/abs", "../cases", "C9\x1b[2J", "Ｃ9", "x" * 65, "C 9", "C9;DROP"]


@pytest.mark.parametrize("case_id", BAD_CASE_IDS)
def test_case_open_refuses_a_malformed_case_id(world, case_id):
    before = snapshot(world)
    result, output = cli(world, "case", "open", case_id)
    assert result.exit_code == 1, output
    assert "error: case id" in output and "use letters, digits, '.', '_', ':', '/' and '-'" in output
    assert "\x1b" not in output
    assert snapshot(world) == before


@pytest.mark.parametrize("case_id", ["FIU/2026/0142", "BR:PF:77", "x" * 64, "9.c_d-e"])
def test_case_ids_of_the_documented_form_are_taken(world, case_id):
    result, output = cli(world, "case", "open", case_id)
    assert result.exit_code == 0, output
    assert f"case {case_id} opened" in output


@pytest.mark.parametrize("command", [
    ["reports", "import", "{file}"], ["reports", "list"], ["trace"], ["findings"],
    ["export", "subpoena", "--out", "{dir}"],
])
def test_every_command_naming_a_case_checks_its_id(world, tmp_path, command):
    path = write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), [good(world)])
    args = [a.replace("{file}", str(path)).replace("{dir}", str(tmp_path / "out")) for a in command]
    before = snapshot(world)
    result, output = cli(world, *args, "--case", f"{CASE}\n")
    assert result.exit_code == 1, output
    assert "error: case id 'FIU-HOSTILE-1\\n'" in output
    assert snapshot(world) == before


@pytest.mark.parametrize("title", ["x\x1b[2Jy", "two\nlines", "\u202eevil", "tab\there", "x" * 201])
def test_a_case_title_with_control_characters_is_refused(world, title):
    before = snapshot(world)
    for case_id in ("NEW-1", CASE):  # a new case, and a new title for an open one
        result, output = cli(world, "case", "open", case_id, "--title", title)
        assert result.exit_code == 1, output
        assert "error: case title" in output and ("one line of plain text" in output or "keep it to 200" in output)
        assert "\x1b" not in output
    assert snapshot(world) == before


def test_alerts_since_a_time_outside_the_calendar_is_a_usage_error(world):
    result, output = cli(world, "alerts", "list", "--since", "9999-12-31T23:59:59-05:00")
    assert result.exit_code == 2 and "--since" in output


# ------------------------------------------------------------------ fuzzing

USDT_TX, ETH_TX = "0x" + f"{1:064x}", "0x" + f"{2:064x}"  # the template's payments (MiniChain numbers them)
VALID = {  # cells that say what the chain says (in more than one way)
    "report_id": ["F1", "F2", "GOOD"],
    "reported_at": ["2026-03-01", "2026-03-01T14:05:00Z", "2026-01-01T08:00:00+08:00"],
    "chain": ["ethereum", "Ethereum"],
    "asset": ["USDT", "ETH", USDT],
    "tx_hash": [USDT_TX, ETH_TX],
    "victim_address": [VICTIM],
    "scam_address": [SCAM],
    "amount": ["2500.5", "2500.50", "1.5", "1.500"],
}
HOSTILE = {  # cells no report may be accepted with
    "report_id": ["F1\n", "F\x1b1", "[/b]", "F" * 129],
    "reported_at": ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "2099-01-01", "2026-W09-1",
                    "2026-03-01T14:05:00.123456789Z", "2025-12-01"],
    "chain": ["ethereum\x00", "ethereum\u200b"],
    "asset": ["USDT\u202e", "ＵＳＤＴ"],
    "tx_hash": [USDT_TX + "\u200b", USDT_TX[:-1]],
    "victim_address": [VICTIM + "\x07", VICTIM[:-1]],
    "scam_address": [SCAM.replace("0x", "0x\u00a0")],
    "amount": ["2_500.50", "２５００.５", "٢٥٠٠.٥", "+2500.5", "2500.5\u200b", "1.5e0", "2500,5", "1" + "0" * 300],
}
NOISE = ["", "\x00", '"', "\r\n", "=1+1", "x" * 300, "[/b]", "\x1b[2J"]


def _cell(column: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(VALID[column]), st.sampled_from(HOSTILE[column] + NOISE),
                     st.text(max_size=20))


FUZZED_ROW = st.tuples(*(_cell(c) for c in REPORT_COLUMNS)).map(list)
FUZZED_SHAPE = st.one_of(FUZZED_ROW, FUZZED_ROW.map(lambda r: r + ["50"]), FUZZED_ROW.map(lambda r: r[:-1]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(FUZZED_SHAPE, max_size=6))
def test_fuzzed_rows_never_crash_never_accept_garbage_and_never_cost_the_good_row(world, store, tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        writer.writerow([good(world)[c] for c in REPORT_COLUMNS])
        writer.writerows(rows)
    before = store.execute("SELECT * EXCLUDE (imported_at) FROM reports ORDER BY ALL").fetchall()
    try:
        summary = import_reports(store, CASE, path)
    except TracersError as exc:
        assert str(path) in str(exc)
        assert store.execute("SELECT * EXCLUDE (imported_at) FROM reports ORDER BY ALL").fetchall() == before
        return
    assert summary.verdicts[0].report_id == "GOOD" and summary.verdicts[0].refusal is None
    for verdict in summary.verdicts[1:]:
        if verdict.refusal is None:
            hostile = [c for c in REPORT_COLUMNS if verdict.raw[c] in HOSTILE[c]]
            assert not hostile, f"accepted with hostile {hostile}: {verdict.raw}"
        else:
            assert verdict.refusal.code in REFUSAL_CODES and verdict.refusal.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_fuzzed_bytes_are_read_or_refused_whole(store, tmp_path, data):
    path = tmp_path / "bytes.csv"
    path.write_bytes(HEADER.encode() + b"\n" + data)
    before = store.execute("SELECT * EXCLUDE (imported_at) FROM reports ORDER BY ALL").fetchall()
    try:
        import_reports(store, CASE, path)
    except TracersError as exc:
        assert str(path) in str(exc)
        assert store.execute("SELECT * EXCLUDE (imported_at) FROM reports ORDER BY ALL").fetchall() == before


@given(text=st.text(max_size=90), decimals=st.integers(0, 30))
def test_an_amount_is_exact_base_units_below_2_256_or_refused(text, decimals):
    try:
        value = parse_amount(text, decimals)
    except ValueError:
        return
    assert 1 <= value <= MAX_AMOUNT
    assert text.isascii()


@given(value=st.integers(1, MAX_AMOUNT), decimals=st.integers(0, 30))
def test_every_amount_a_token_can_move_reads_back_exactly(value, decimals):
    assert parse_amount(format_units(value, decimals), decimals) == value


# ------------------------------------------------------------------ batching

class CountingConnection:
    """A DuckDB connection that counts the statements sent to it."""

    def __init__(self, con):
        self._con, self.statements = con, 0

    def execute(self, *args, **kwargs):
        self.statements += 1
        return self._con.execute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_the_store_is_asked_per_file_not_per_report(tmp_path):
    """Verifying and writing 60 reports sends the store as many statements as 3 reports."""
    chain = MiniChain(tmp_path / "chain")
    rows = []
    for i in range(60):
        tx, _ = chain.pay_token(USDT, VICTIM, SCAM, 1_000_000 + i)
        rows.append({"report_id": f"P{i}", "reported_at": "2026-03-01", "chain": "ethereum", "asset": "USDT",
                     "tx_hash": tx, "victim_address": VICTIM, "scam_address": SCAM,
                     "amount": format_units(1_000_000 + i, 6)})
    con = connect(tmp_path / "count.duckdb")
    import_etl(con, chain.write())
    counts = []
    for case_id, batch in (("FEW", rows[:3]), ("MANY", rows)):
        open_case(con, case_id)
        counting = CountingConnection(con)
        summary = import_reports(counting, case_id, write_csv(tmp_path / f"{case_id}.csv", list(REPORT_COLUMNS), batch))
        assert summary.accepted == len(batch)
        counts.append(counting.statements)
    con.close()
    assert counts[0] == counts[1]
