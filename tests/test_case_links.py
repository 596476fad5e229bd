"""Intelligence exchange between cases: two scam groups, filed as two cases by victims in different
countries, cash out through the same broker's exchange deposit address. The link is found from
what each case's trace did, with each case's own amounts and evidence; the combined subpoena states
each case's traced amount apart."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import MiniChain, write_csv
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.findings import AssetBook, case_links, link_rows, linked_cases
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.tags import import_tag_files
from tracers.trace import trace_case

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CASE_A, CASE_B = "FIU-TH-2026-0042", "FIU-NG-2026-0107"


def addr(group: int, n: int) -> str:
    return "0x" + f"{group:02x}" + f"{n:038x}"


# Group A (victims A1..A3) and group B (B1..B3): victims pay collection addresses, the collections
# sweep into the group's consolidator, which cashes out at its own deposit address and at the
# broker's (BROKER_DEPOSIT, an OKX account): the one address both cases reach.
HOT_OKX, HOT_BINANCE = addr(0xE0, 1), addr(0xE0, 2)
BROKER_DEPOSIT = addr(0xB0, 1)
OWN_DEPOSIT = {"A": addr(0xA0, 0xD1), "B": addr(0xB1, 0xD1)}
CONSOLIDATOR = {"A": addr(0xA0, 0xC0), "B": addr(0xB1, 0xC0)}


def collection(group: str, n: int) -> str:
    return addr(0xA0 if group == "A" else 0xB1, 0x100 + n)


def victim(group: str, n: int) -> str:
    return addr(0xA2 if group == "A" else 0xB2, n)


def usdt(units: int) -> int:
    return units * 10**6


@pytest.fixture
def two_groups(con, tmp_path):
    """The two groups' money on one chain; each group's victims report to their own unit."""
    c = MiniChain(tmp_path / "chain")
    payments: dict[str, list[tuple[str, str, str, int]]] = {"A": [], "B": []}
    for group, amounts in (("A", (12_000, 8_500, 20_000)), ("B", (30_000, 4_200, 9_900))):
        for n, amount in enumerate(amounts, start=1):
            tx, _ = c.pay_token(USDT, victim(group, n), collection(group, n), usdt(amount))
            payments[group].append((tx, victim(group, n), collection(group, n), usdt(amount)))
        c.new_block()
    for group in ("A", "B"):
        for tx, _v, scam, amount in payments[group]:
            c.pay_token(USDT, scam, CONSOLIDATOR[group], amount)
        c.new_block()
    # A: 15,000 to the broker, the rest to its own deposit; B: 25,000 to the broker, the rest its own.
    for group, to_broker in (("A", usdt(15_000)), ("B", usdt(25_000))):
        total = sum(p[3] for p in payments[group])
        c.pay_token(USDT, CONSOLIDATOR[group], BROKER_DEPOSIT, to_broker)
        c.pay_token(USDT, CONSOLIDATOR[group], OWN_DEPOSIT[group], total - to_broker)
        c.new_block()
    c.pay_token(USDT, BROKER_DEPOSIT, HOT_OKX, usdt(40_000))  # the exchange sweeps its deposits
    c.pay_token(USDT, OWN_DEPOSIT["A"], HOT_BINANCE, usdt(25_500))
    c.pay_token(USDT, OWN_DEPOSIT["B"], HOT_BINANCE, usdt(19_100))
    c.new_block()
    import_etl(con, c.write())
    tags = write_csv(tmp_path / "exchanges.csv", ["address", "label", "category", "actor"], [
        {"address": HOT_OKX, "label": "OKX 7", "category": "exchange", "actor": "okx"},
        {"address": HOT_BINANCE, "label": "Binance 14", "category": "exchange", "actor": "binance"},
    ])
    assert import_tag_files(con, [tags]).ok
    for case, group in ((CASE_A, "A"), (CASE_B, "B")):
        open_case(con, case)
        rows = [{"report_id": f"{group}{i}", "reported_at": "2026-02-01", "chain": "ethereum", "asset": "USDT",
                 "tx_hash": tx, "victim_address": v, "scam_address": scam, "amount": str(amount // 10**6)}
                for i, (tx, v, scam, amount) in enumerate(payments[group], start=1)]
        summary = import_reports(con, case, write_csv(tmp_path / f"{case}.csv", list(REPORT_COLUMNS), rows))
        assert summary.refused == 0, [r.refusal for r in summary.verdicts]
    return con


def test_a_deposit_address_both_cases_reach_links_them_with_each_cases_own_amount(two_groups):
    con = two_groups
    trace_case(con, CASE_A)
    assert case_links(con) == []  # one traced case links nothing
    trace_case(con, CASE_B)
    links = case_links(con)
    assert [(link.address, link.case_ids) for link in links] == [(BROKER_DEPOSIT, (CASE_B, CASE_A))]  # by id
    sides = {s.case_id: s for s in links[0].sides}
    assert sides[CASE_A].role == sides[CASE_B].role == "deposit_wallet"
    assert sides[CASE_A].exchange == sides[CASE_B].exchange == "okx"
    assert sides[CASE_A].traced == ((USDT, usdt(15_000)),)
    assert sides[CASE_B].traced == ((USDT, usdt(25_000)),)
    for side in sides.values():  # each side rests on its own run's findings and transfers
        assert side.evidence and side.tx_hashes and side.transfers == 1
        stored = con.execute("SELECT count(*) FROM findings WHERE run_id = ? AND finding_id IN "
                             "(SELECT unnest(?))", [side.run_id, list(side.evidence)]).fetchall()[0][0]
        assert stored == len(side.evidence)
    assert sides[CASE_A].tx_hashes != sides[CASE_B].tx_hashes
    assert linked_cases(con) == {CASE_A: (CASE_B,), CASE_B: (CASE_A,)}
    assert case_links(con, CASE_A) == links and case_links(con, "FIU-OTHER") == []


def test_link_rows_keep_each_case_and_asset_apart(two_groups):
    con = two_groups
    trace_case(con, CASE_A)
    trace_case(con, CASE_B)
    rows = link_rows(case_links(con), AssetBook(con))
    assert {(r["case_id"], r["linked_cases"], r["traced_amount"], r["traced_base_units"]) for r in rows} == {
        (CASE_A, CASE_B, "15000", str(usdt(15_000))), (CASE_B, CASE_A, "25000", str(usdt(25_000)))}
    assert all(r["address"] == BROKER_DEPOSIT and r["asset_symbol"] == "USDT" for r in rows)


def test_exchange_wallets_and_a_retrace_do_not_make_links(two_groups):
    con = two_groups
    trace_case(con, CASE_A)
    trace_case(con, CASE_A)  # the same case twice is one case
    assert case_links(con) == []
    trace_case(con, CASE_B)
    linked = {link.address for link in case_links(con)}
    assert HOT_OKX not in linked and HOT_BINANCE not in linked  # every case's cash-out passes through them
    assert linked == {BROKER_DEPOSIT}


def test_a_combined_subpoena_gives_one_row_per_case_and_states_each_cases_amount_apart(two_groups, tmp_path):
    from tracers.exports import verify_dir
    from tracers.exports.subpoena import COMBINED_COLUMNS, export_combined_subpoena

    con = two_groups
    trace_case(con, CASE_A)
    trace_case(con, CASE_B)
    result = export_combined_subpoena(con, [CASE_A, CASE_B], tmp_path / "request")
    assert [f.name for f in result.files] == ["binance.csv", "okx.csv"]
    with (tmp_path / "request" / "okx.csv").open(newline="") as handle:
        okx = list(csv.DictReader(handle))
    assert list(okx[0]) == COMBINED_COLUMNS
    assert [(r["case_id"], r["deposit_address"], r["traced_amount"], r["deposit_address_cases"]) for r in okx] == [
        (CASE_A, BROKER_DEPOSIT, "15000", f"{CASE_B};{CASE_A}"),
        (CASE_B, BROKER_DEPOSIT, "25000", f"{CASE_B};{CASE_A}"),
    ]
    manifest = json.loads((tmp_path / "request" / "manifest.json").read_text())
    assert manifest["case_ids"] == [CASE_A, CASE_B]
    assert [r["case_id"] for r in manifest["runs"]] == [CASE_A, CASE_B]
    per_case = {f["name"]: f["traced_per_case"] for f in manifest["files"]}
    assert [(t["case_id"], t["amount"]) for t in per_case["okx.csv"]] == [(CASE_A, "15000"), (CASE_B, "25000")]
    assert [(t["case_id"], t["amount"]) for t in per_case["binance.csv"]] == [(CASE_A, "25500"), (CASE_B, "19100")]
    assert {f["name"]: f["shared_deposit_addresses"] for f in manifest["files"]} == {"binance.csv": 0, "okx.csv": 1}
    checked = verify_dir(tmp_path / "request")
    assert checked.ok and CASE_A in checked.describe() and CASE_B in checked.describe()


def cli(db, *args):
    from typer.testing import CliRunner

    from tracers.cli import app

    result = CliRunner().invoke(app, ["--db", str(db), *map(str, args)])
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    return result, output


@pytest.fixture
def two_groups_db(two_groups, tmp_path):
    """The two groups' store on disk for the command line (the fixture's connection closed)."""
    db = two_groups.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchall()[0][0]
    two_groups.close()
    return db


def test_the_trace_names_the_cases_it_shares_an_address_with(two_groups_db):
    result, output = cli(two_groups_db, "trace", "--case", CASE_A)
    assert result.exit_code == 0, output
    assert "linked:" not in output
    result, output = cli(two_groups_db, "trace", "--case", CASE_B)
    assert result.exit_code == 0, output
    assert f"linked: ethereum {BROKER_DEPOSIT} (deposit_wallet) is also in {CASE_A} (deposit_wallet)" in output
    assert f"export subpoena --case {CASE_B} --linked" in output


def test_tags_import_from_a_partner_and_the_trace_names_the_match(two_groups_db, tmp_path):
    pack = tmp_path / "partner.yaml"
    pack.write_text(PARTNER_PACK.format(address=CONSOLIDATOR["B"]))
    result, output = cli(two_groups_db, "tags", "import", pack, "--source-org", "FIU Nigeria", "--tlp", "amber")
    assert result.exit_code == 0, output
    assert "partner.yaml: 1 tags from partner FIU Nigeria, TLP:AMBER" in output
    result, output = cli(two_groups_db, "tags", "list", "--address", CONSOLIDATOR["B"], "--format", "json")
    assert [(t["tagpack"], t["source_org"], t["tlp"]) for t in json.loads(result.stdout)] == [
        ("partner.yaml", "FIU Nigeria", "amber")]
    result, output = cli(two_groups_db, "trace", "--case", CASE_B)
    assert f"partner: ethereum {CONSOLIDATOR['B']} flagged by FIU Nigeria, TLP:AMBER: consolidator of the Lagos group" \
        in " ".join(output.split())
    for bad in (["--tlp", "yellow"], ["--source-org", "x\x1b[2J"], ["--source-org", " "]):
        result, output = cli(two_groups_db, "tags", "import", pack, *bad)
        assert result.exit_code in (1, 2) and ("--tlp" in output or "--source-org" in output), (bad, output)


def test_case_links_and_case_list_on_the_command_line(two_groups_db):
    for case in (CASE_A, CASE_B):
        assert cli(two_groups_db, "trace", "--case", case)[0].exit_code == 0
    result, output = cli(two_groups_db, "case", "links", "--case", CASE_A, "--format", "csv")
    assert result.exit_code == 0, output
    rows = list(csv.DictReader(output.splitlines()))
    assert [(r["case_id"], r["linked_cases"], r["traced_amount"]) for r in rows] == [
        (CASE_B, CASE_A, "25000"), (CASE_A, CASE_B, "15000")]
    assert all(r["evidence"] and r["tx_hashes"] for r in rows)
    result, output = cli(two_groups_db, "case", "links", "--format", "json")
    links = json.loads(result.stdout)
    assert [(link["address"], link["cases"]) for link in links] == [(BROKER_DEPOSIT, [CASE_B, CASE_A])]
    assert {s["case_id"]: s["traced"][0]["amount"] for s in links[0]["sides"]} == {CASE_A: "15000", CASE_B: "25000"}
    result, output = cli(two_groups_db, "case", "list", "--format", "json")
    assert {c["case_id"]: c["linked_cases"] for c in json.loads(result.stdout)} == {CASE_A: CASE_B, CASE_B: CASE_A}
    result, output = cli(two_groups_db, "case", "links", "--case", "FIU-NONE")
    assert result.exit_code == 1 and "does not exist" in output


def test_export_subpoena_linked_and_cases_make_the_same_combined_request(two_groups_db, tmp_path):
    for case in (CASE_A, CASE_B):
        assert cli(two_groups_db, "trace", "--case", case)[0].exit_code == 0
    result, output = cli(two_groups_db, "export", "subpoena", "--case", CASE_A, "--linked", "--out", tmp_path / "one")
    assert result.exit_code == 0, output
    assert "each case's traced total apart" in output
    result, output = cli(two_groups_db, "export", "subpoena", "--cases", f"{CASE_A},{CASE_B}",
                         "--out", tmp_path / "two")
    assert result.exit_code == 0, output
    for name in ("okx.csv", "binance.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    for args in (["--cases", CASE_A], ["--case", CASE_A, "--cases", f"{CASE_A},{CASE_B}"], ["--linked"], []):
        result, output = cli(two_groups_db, "export", "subpoena", *args, "--out", tmp_path / "bad")
        assert result.exit_code == 2, (args, output)
    assert not (tmp_path / "bad").exists()


PARTNER_PACK = """title: Shared by a partner FIU
creator: FIU Nigeria
lastmod: 2026-03-01
currency: ETH
is_public: false
tags:
  - address: {address}
    label: consolidator of the Lagos group
    category: perpetrator
    abuse: scam
"""


def test_a_partner_tagpack_flags_an_address_the_trace_reaches(two_groups, tmp_path):
    from tracers.tags import Provenance

    con = two_groups
    pack = tmp_path / "partner.yaml"
    pack.write_text(PARTNER_PACK.format(address=CONSOLIDATOR["B"]))
    result = import_tag_files(con, [pack], provenance=Provenance("FIU Nigeria", "amber"))
    assert result.ok and "from partner FIU Nigeria, TLP:AMBER" in result.files[0].summary
    run_a = trace_case(con, CASE_A)
    run_b = trace_case(con, CASE_B)
    matches = lambda run: con.execute(  # noqa: E731
        "SELECT address, rule, params, tx_hashes, detail FROM findings WHERE run_id = ? AND kind = 'partner_match'",
        [run.run_id]).fetchall()
    assert matches(run_a) == []  # group A never touches the flagged consolidator
    ((address, rule, params, txs, detail),) = matches(run_b)
    assert address == CONSOLIDATOR["B"] and rule == "partner_tag"
    assert json.loads(params)["source_org"] == "FIU Nigeria" and json.loads(params)["tlp"] == "amber"
    assert "flagged by partner FIU Nigeria, TLP:AMBER" in detail and "perpetrator" in detail
    assert len(txs) == 5  # three sweeps in, two cash-outs
    role = con.execute("SELECT role FROM trace_addresses WHERE run_id = ? AND address = ?",
                       [run_b.run_id, CONSOLIDATOR["B"]]).fetchall()
    assert role == [("perpetrator",)]  # the money decided it; the partner's word is evidence beside it
    source = con.execute("SELECT issuer, issued, source_org, tlp FROM tag_sources WHERE tagpack = 'partner.yaml'")
    assert source.fetchall() == [("FIU Nigeria", "2026-03-01", "FIU Nigeria", "amber")]


def test_reimporting_a_partner_pack_changes_nothing_and_a_new_marking_is_recorded(two_groups, tmp_path):
    from tracers.tags import Provenance

    con = two_groups
    pack = tmp_path / "partner.yaml"
    pack.write_text(PARTNER_PACK.format(address=CONSOLIDATOR["B"]))
    import_tag_files(con, [pack], provenance=Provenance("FIU Nigeria", "amber"))
    before = con.execute("SELECT * FROM tags ORDER BY ALL").fetchall()
    again = import_tag_files(con, [pack], provenance=Provenance("FIU Nigeria", "amber")).files[0]
    assert again.same_as and not again.remarked and again.written == 0
    plain = import_tag_files(con, [pack]).files[0]  # no marking stated: the record stands
    assert not plain.remarked and plain.provenance == Provenance("FIU Nigeria", "amber")
    stricter = import_tag_files(con, [pack], provenance=Provenance("FIU Nigeria", "red")).files[0]
    assert stricter.remarked and "now recorded as from partner FIU Nigeria, TLP:RED" in stricter.summary
    assert con.execute("SELECT * FROM tags ORDER BY ALL").fetchall() == before
    assert con.execute("SELECT tlp FROM tag_sources WHERE tagpack = 'partner.yaml'").fetchall() == [("red",)]


def test_the_findings_and_the_report_show_the_partner_match(two_groups, tmp_path):
    from tracers.exports import render_summary
    from tracers.exports.report import render_report
    from tracers.findings import findings_summary
    from tracers.tags import Provenance

    con = two_groups
    pack = tmp_path / "partner.yaml"
    pack.write_text(PARTNER_PACK.format(address=CONSOLIDATOR["B"]))
    import_tag_files(con, [pack], provenance=Provenance("FIU Nigeria", "amber+strict"))
    trace_case(con, CASE_B)
    summary = findings_summary(con, CASE_B)
    assert [(m.address, m.source_org, m.tlp) for m in summary.partner_matches] == [
        (CONSOLIDATOR["B"], "FIU Nigeria", "amber+strict")]
    assert summary.to_dict()["partner_matches"][0]["label"] == "consolidator of the Lagos group"
    text = render_summary(summary)
    assert "## Flagged by partners" in text and "AMBER+STRICT" in text
    page = render_report(con, CASE_B)
    assert f'data-address="{CONSOLIDATOR["B"]}" data-partner="FIU Nigeria"' in page
    assert 'href="#partners"' in page


def test_a_monitor_on_a_case_alerts_once_when_another_case_or_a_partner_touches_its_cluster(two_groups, tmp_path):
    from tracers.monitor.pass_ import run_pass
    from tracers.tags import Provenance

    con = two_groups
    baseline = run_pass(con, CASE_A)
    assert baseline.is_baseline and baseline.new_alerts == []
    assert run_pass(con, CASE_A).new_alerts == []  # nothing new: nothing said

    trace_case(con, CASE_B)  # another unit files and traces its case
    pack = tmp_path / "partner.yaml"
    pack.write_text(PARTNER_PACK.format(address=CONSOLIDATOR["A"]))  # and a partner flags A's consolidator
    assert import_tag_files(con, [pack], provenance=Provenance("Interpol IFCACC", "green")).ok

    alerts = run_pass(con, CASE_A).new_alerts
    assert sorted((a["kind"], a["address"]) for a in alerts) == [
        ("case_link", BROKER_DEPOSIT), ("partner_flag", CONSOLIDATOR["A"])]
    link = next(a for a in alerts if a["kind"] == "case_link")
    assert f"case {CASE_B} now shares {BROKER_DEPOSIT}" in link["detail"]
    assert f"{usdt(25_000)} base units of {USDT}" in link["detail"]  # B's own amount, never summed with A's
    evidence = json.loads(link["evidence"])
    assert evidence["other_case"] == CASE_B and evidence["other_findings"] and evidence["findings"]
    flag = next(a for a in alerts if a["kind"] == "partner_flag")
    assert "Interpol IFCACC, TLP:GREEN" in flag["detail"] and json.loads(flag["evidence"])["tx_hashes"]

    assert run_pass(con, CASE_A).new_alerts == []  # each alerts once
    trace_case(con, CASE_B)  # B traced again: the same link, no new alert
    assert run_pass(con, CASE_A).new_alerts == []


def test_case_links_says_so_when_there_are_none(two_groups_db):
    assert cli(two_groups_db, "trace", "--case", CASE_A)[0].exit_code == 0
    result, output = cli(two_groups_db, "case", "links", "--case", CASE_A)
    assert result.exit_code == 0 and f"no address of {CASE_A} carries a role in more than one case" in output
    result, output = cli(two_groups_db, "case", "links", "--format", "json")
    assert json.loads(result.stdout) == []


def test_two_simulated_scam_groups_filed_apart_are_linked_by_their_brokers_deposit(tmp_path):
    """The simulator's shared_broker world: a second scam group, with its own victims, collections,
    consolidator and hops, cashes out through a deposit address the case's peel chain reaches. Its
    victims' reports are filed as a second case: the broker's deposit links the two cases, each with
    its own traced amount, and nothing else does."""
    from tracers.simulate import SimulationConfig, simulate
    from tracers.store import connect

    world = tmp_path / "world"
    simulate(world, SimulationConfig(seed=5, victims=20, users=150, transfers=6000, confounders=("shared_broker",)))
    truth = json.loads((world / "truth.json").read_text())
    (broker,) = [d for d in truth["scam_deposits"] if "shared_broker" in d["confounders"]]
    other = {role: [o["address"] for o in truth["other_scam"] if o["role"] == role]
             for role in ("victim", "collection")}
    con = connect(tmp_path / "store.duckdb")
    import_etl(con, world)
    assert import_tag_files(con, [world / "tags.csv"]).ok
    open_case(con, CASE_A)
    import_reports(con, CASE_A, world / "reports.csv")
    paid = con.execute(  # the second group's victims' payments, as their own unit would file them
        "SELECT tx_hash, from_address, to_address, CAST(amount AS VARCHAR) FROM transfers "
        "WHERE asset = ? AND list_contains(?, from_address) AND list_contains(?, to_address) ORDER BY ALL",
        [USDT, other["victim"], other["collection"]]).fetchall()
    assert len({v for _, v, _, _ in paid}) == len(other["victim"])
    open_case(con, CASE_B)
    reports = [{"report_id": f"B{i}", "reported_at": "2026-02-01", "chain": "ethereum", "asset": "USDT",
                "tx_hash": tx, "victim_address": v, "scam_address": c, "amount": str(int(a) / 10**6)}
               for i, (tx, v, c, a) in enumerate(paid, start=1)]
    filed = import_reports(con, CASE_B, write_csv(tmp_path / "b.csv", list(REPORT_COLUMNS), reports))
    assert filed.refused == 0, [r.refusal for r in filed.verdicts]
    trace_case(con, CASE_A)
    trace_case(con, CASE_B)

    links = case_links(con)
    assert [(link.address, set(link.case_ids)) for link in links] == [
        (broker["deposit_address"], {CASE_A, CASE_B})]
    sides = {s.case_id: s for s in links[0].sides}
    assert sides[CASE_A].role == sides[CASE_B].role == "deposit_wallet"
    assert sides[CASE_B].traced == ((USDT, sum(int(a) for *_, a in paid)),)  # all of B's money went there
    ((asset, traced_a),) = sides[CASE_A].traced
    allowed = max(broker["victim_amount"] // 20, int(broker["tolerance"]))
    assert asset == USDT and abs(traced_a - broker["victim_amount"]) <= allowed  # A's own, not A + B
    con.close()
