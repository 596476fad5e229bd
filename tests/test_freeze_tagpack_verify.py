"""Freeze export, TagPack export and verification of export folders, on a simulated traced world.

The world (seed 23) is traced once per module; tests that change the store work on a copy.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import traced_world

from tracers import __version__
from tracers.amounts import format_units
from tracers.chains import NATIVE
from tracers.errors import TracersError
from tracers.exports import (
    FREEZE_COLUMNS,
    ManifestError,
    export_freeze,
    export_subpoena,
    export_tagpack,
    roles_from_tags,
    verify_dir,
)
from tracers.exports.freeze import NO_ISSUER_ACTION
from tracers.exports.tagpack import confidence_level
from tracers.findings import COMPLETE, PARTIAL, Holding, latest_run
from tracers.store import connect
from tracers.tags import CONFIDENCE_LEVELS, import_tag_files, read_tag_file

CASE = "FIU-2026-0201"
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
WORLD = {"seed": 23, "victims": 8, "users": 80, "transfers": 3000}

# GraphSense's TagPack schema (graphsense-tagpack-tool src/tagpack/conf/tagpack_schema.yaml) ...
GS_HEADER_FIELDS = {"title", "creator", "description", "owner", "is_public", "tags"}
GS_TAG_FIELDS = {"label", "source", "currency", "network", "context", "confidence",
                 "is_cluster_definer", "lastmod", "category", "abuse", "address", "tx_hash", "actor",
                 "concepts", "tag_type"}
GS_MANDATORY_TAG = {"label", "source", "currency", "network", "confidence"}
# ... and the concept ids of its taxonomy (src/tagpack/db/concepts.yaml) that an export may use.
GS_CONCEPTS = {"perpetrator", "victim", "exchange", "scam", "investment_fraud", "money_laundering"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("freeze-world")
    traced_world(folder, CASE, **WORLD)
    return folder


@pytest.fixture
def con(world):
    connection = connect(world / "full.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def store_copy(world, tmp_path):
    """A store of one's own, for tests that write to it."""
    shutil.copy(world / "full.duckdb", tmp_path / "copy.duckdb")
    connection = connect(tmp_path / "copy.duckdb")
    yield connection
    connection.close()


def truth(world: Path) -> dict:
    return json.loads((world / "world" / "truth.json").read_text())


def rows_of(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------- freeze

def test_freeze_lists_every_address_holding_victim_usdt_under_tether_with_exact_amounts(world, con, tmp_path):
    result = export_freeze(con, CASE, tmp_path / "freeze")
    held = truth(world)["funds_at_rest"]
    assert held and {h["asset"] for h in held} == {"USDT"}
    rows = {r["address"]: r for r in rows_of(tmp_path / "freeze" / "freeze_tether.csv")}
    assert set(rows) == {h["address"] for h in held}  # every holder, and nothing else
    for h in held:
        row = rows[h["address"]]
        units = format_units(h["amount"], 6)
        assert (row["issuer"], row["action"]) == ("Tether", "freeze request to Tether")
        assert (row["chain"], row["asset"], row["asset_symbol"]) == ("ethereum", USDT, "USDT")
        assert row["stored_balance"] == units  # sum in - sum out of the store, exact
        assert row["traced_at_rest"] == units  # all of it is victim money in this world
        assert row["victim_share"] == "1.0000"
        assert (row["role"], row["cluster_id"]) == ("perpetrator", f"ethereum-{h['cluster_id']}")
        assert row["balance_history"] == PARTIAL  # an etl import, no fetch checkpoint
    assert {f.issuer: f.rows for f in result.files}["Tether"] == len(held)


def test_freeze_rows_lead_back_to_the_reports_and_the_flows_that_brought_the_money(con, tmp_path):
    export_freeze(con, CASE, tmp_path / "freeze")
    run_id = latest_run(con, CASE).run_id
    accepted = {r for (r,) in con.execute(
        "SELECT report_id FROM reports WHERE case_id = ? AND status = 'accepted'", [CASE]).fetchall()}
    for row in rows_of(tmp_path / "freeze" / "freeze_tether.csv"):
        address = row["address"]
        flows = con.execute(
            "SELECT tx_hash, report_ids FROM trace_flows WHERE run_id = ? AND to_address = ? "
            "AND asset = ? AND traced_amount > 0 ORDER BY block_number, tx_hash", [run_id, address, USDT],
        ).fetchall()
        assert row["flow_tx_hashes"].split(";") == list(dict.fromkeys(tx for tx, _ in flows))
        reports = row["report_ids"].split(";")
        assert reports == sorted({r for _, ids in flows for r in ids})
        assert all(r in accepted or r.startswith("discovered:") for r in reports)
        assert any(r in accepted for r in reports)
        at_rest = con.execute(
            "SELECT finding_id, CAST(amount AS VARCHAR) FROM findings WHERE run_id = ? AND rule = 'at_rest' "
            "AND address = ? AND asset = ?", [run_id, address, USDT]).fetchall()
        assert row["evidence"].split(";")[0] == at_rest[0][0]
        assert row["traced_at_rest"] == format_units(int(at_rest[0][1]), 6)
        newest = con.execute(
            "SELECT block_time, tx_hash FROM transfers WHERE from_address = ? OR to_address = ? "
            "ORDER BY block_number DESC, tx_index DESC, position DESC LIMIT 1", [address, address]).fetchall()
        assert row["last_movement_tx"] == newest[0][1]
        assert row["last_movement"] == newest[0][0].strftime("%Y-%m-%dT%H:%M:%SZ")


def test_native_coins_go_to_the_no_issuer_file_as_seizure_only(con, tmp_path):
    export_freeze(con, CASE, tmp_path / "freeze")
    rows = rows_of(tmp_path / "freeze" / "freeze_no_issuer.csv")
    assert rows  # victims of this world paid some instalments in ether
    for row in rows:
        assert (row["issuer"], row["action"], row["asset"], row["asset_symbol"]) == ("", NO_ISSUER_ACTION, NATIVE, "ETH")
        assert "gas fees are not in the store" in row["note"]
    assert sorted(p.name for p in (tmp_path / "freeze").iterdir()) == [
        "freeze_no_issuer.csv", "freeze_tether.csv", "manifest.json"]
    assert list(rows[0]) == FREEZE_COLUMNS


def test_an_address_fetched_whole_from_a_live_source_has_complete_history(store_copy, tmp_path):
    first = rows_of(export_freeze(store_copy, CASE, tmp_path / "a").out_dir / "freeze_tether.csv")[0]
    store_copy.execute("INSERT INTO fetch_checkpoints VALUES ('ethereum', ?, 'rpc', 99999999, now())",
                       [first["address"]])
    rows = {r["address"]: r for r in rows_of(export_freeze(store_copy, CASE, tmp_path / "b").out_dir / "freeze_tether.csv")}
    assert rows[first["address"]]["balance_history"] == COMPLETE
    assert "rpc through block 99999999" in rows[first["address"]]["note"]
    assert {r["balance_history"] for a, r in rows.items() if a != first["address"]} == {PARTIAL}


def test_victim_share_is_integer_arithmetic_rounded_down():
    def share(held: int, balance: int) -> str:
        return Holding("ethereum", "0x", USDT, "Tether", None, None, None, held, balance, PARTIAL,
                         None, None, (), (), (), ()).share

    assert share(2, 3) == "0.6666"
    assert share(3, 3) == "1.0000"
    assert share(2**256 - 2, 2**256 - 1) == "0.9999"
    assert share(1, 2**256 - 1) == "0.0000"
    assert share(5, 0) == "" and share(5, -1) == ""


def test_freeze_manifest_lists_each_file_with_its_sha256_issuer_and_totals(world, con, tmp_path):
    result = export_freeze(con, CASE, tmp_path / "freeze")
    manifest = json.loads((tmp_path / "freeze" / "manifest.json").read_text())
    assert (manifest["export"], manifest["parameters"]) == ("freeze", {"case_id": CASE})
    assert manifest["run_id"] == result.run.run_id and manifest["trace_params"] == result.run.params
    assert manifest["columns"] == FREEZE_COLUMNS
    tether = next(f for f in manifest["files"] if f["name"] == "freeze_tether.csv")
    total = sum(h["amount"] for h in truth(world)["funds_at_rest"])
    assert tether["issuer"] == "Tether" and tether["traced_at_rest_total"] == [
        {"chain": "ethereum", "asset": USDT, "asset_symbol": "USDT", "amount": format_units(total, 6)}]
    assert next(f for f in manifest["files"] if f["name"] == "freeze_no_issuer.csv")["issuer"] is None


def test_a_file_as_out_folder_is_refused(con, tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(TracersError, match="give --out a folder"):
        export_freeze(con, CASE, tmp_path / "taken")


# ---------------------------------------------------------------- reproducible and verifiable

def test_exports_are_byte_for_byte_reproducible_but_the_generation_time(con, tmp_path):
    for export in (export_freeze, export_subpoena):
        a, b = export(con, CASE, tmp_path / f"{export.__name__}-a"), export(con, CASE, tmp_path / f"{export.__name__}-b")
        names = sorted(p.name for p in a.out_dir.iterdir())
        assert names == sorted(p.name for p in b.out_dir.iterdir()) and len(names) > 1
        for name in names:
            if name != "manifest.json":
                assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes()
        first, second = (json.loads((r.out_dir / "manifest.json").read_text()) for r in (a, b))
        first.pop("generated_at"), second.pop("generated_at")
        assert first == second
    export_tagpack(con, CASE, tmp_path / "a.yaml")
    export_tagpack(con, CASE, tmp_path / "b.yaml")
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()


@pytest.mark.parametrize("export", [export_freeze, export_subpoena])
def test_verify_passes_an_untouched_folder_and_names_a_changed_or_missing_file(export, con, tmp_path):
    out = tmp_path / "out"
    export(con, CASE, out)
    result = verify_dir(out)
    assert result.ok and result.changed == result.missing == result.unlisted == ()
    assert set(result.verified) == {p.name for p in out.iterdir()} - {"manifest.json"}
    assert result.case_id == CASE and result.describe().startswith("OK:")

    first, *rest = sorted(result.verified)
    data = bytearray((out / first).read_bytes())
    data[len(data) // 2] ^= 1  # one bit of one byte
    (out / first).write_bytes(bytes(data))
    (out / "notes.txt").write_text("analyst notes")
    tampered = verify_dir(out)
    assert not tampered.ok and tampered.changed == (first,) and tampered.missing == ()
    assert tampered.unlisted == ("notes.txt",)
    assert f"changed: {first}" in tampered.describe() and tampered.describe().startswith("FAILED:")

    if rest:
        (out / rest[0]).unlink()
        assert verify_dir(out).missing == (rest[0],)


def test_verify_needs_a_sound_manifest(con, tmp_path):
    with pytest.raises(ManifestError, match="no manifest.json"):
        verify_dir(tmp_path)
    export_freeze(con, CASE, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    manifest["files"][0]["name"] = "../../etc/passwd"
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="not a file name"):
        verify_dir(tmp_path / "out")
    (tmp_path / "out" / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="not JSON"):
        verify_dir(tmp_path / "out")


def test_verify_reports_the_manifest_sha256_for_the_case_file(con, tmp_path):
    import hashlib

    export_freeze(con, CASE, tmp_path / "out")
    digest = hashlib.sha256((tmp_path / "out" / "manifest.json").read_bytes()).hexdigest()
    assert verify_dir(tmp_path / "out").manifest_sha256 == digest


# ---------------------------------------------------------------- TagPack

def test_tagpack_reads_back_with_the_roles_and_actors_of_the_trace(con, tmp_path):
    out = tmp_path / "case.yaml"
    count = export_tagpack(con, CASE, out, include_victims=True)
    run_id = latest_run(con, CASE).run_id
    traced = {(c, a): (role, exchange) for c, a, role, exchange in con.execute(
        "SELECT chain, address, role, exchange FROM trace_addresses WHERE run_id = ? "
        "AND role IN ('perpetrator', 'deposit_wallet', 'victim')", [run_id]).fetchall()}
    tags = read_tag_file(out).tags
    assert count == len(tags) == len(traced)
    assert roles_from_tags(tags) == {key: role for key, (role, _) in traced.items()}
    for tag in tags:
        role, exchange = traced[(tag.chain, tag.address)]
        assert tag.category == {"perpetrator": "perpetrator", "deposit_wallet": "exchange", "victim": "victim"}[role]
        assert tag.actor == (exchange if role == "deposit_wallet" else None)
        assert tag.source == f"tracers:{CASE}:{run_id}" and tag.is_public is False
        context = json.loads(tag.context)
        assert (context["run_id"], context["role"]) == (run_id, role) and context["findings"]
        assert context["tlp"] == "amber"  # the default marking
    assert {role for role, _ in traced.values()} == {"perpetrator", "deposit_wallet", "victim"}

    fresh = connect(tmp_path / "fresh.duckdb")
    try:
        result = import_tag_files(fresh, [out])
        assert result.ok and result.imported == count
        stored = dict(fresh.execute("SELECT category, count(*) FROM tags GROUP BY ALL").fetchall())
    finally:
        fresh.close()
    assert stored == {"perpetrator": sum(r == "perpetrator" for r, _ in traced.values()),
                      "exchange": sum(r == "deposit_wallet" for r, _ in traced.values()),
                      "victim": sum(r == "victim" for r, _ in traced.values())}


def test_tagpack_keeps_to_graphsense_schema_and_taxonomies(con, tmp_path):
    out = tmp_path / "case.yaml"
    export_tagpack(con, CASE, out)
    pack = yaml.safe_load(out.read_text())
    run = latest_run(con, CASE)
    assert pack["title"] == f"tracers case {CASE}" and pack["creator"] == f"tracers {__version__}"
    assert pack["is_public"] is False and pack["description"]
    assert pack["lastmod"] == date(run.finished_at.year, run.finished_at.month, run.finished_at.day)
    assert set(pack) <= GS_HEADER_FIELDS | GS_TAG_FIELDS
    header = {k: v for k, v in pack.items() if k in GS_TAG_FIELDS}
    for tag in pack["tags"]:
        assert set(tag) <= GS_TAG_FIELDS
        fields = {**header, **tag}
        assert GS_MANDATORY_TAG <= set(fields) and fields["address"]
        assert all(isinstance(fields[f], str) and fields[f].strip() for f in GS_MANDATORY_TAG | {"context"})
        assert fields["confidence"] in CONFIDENCE_LEVELS
        assert (fields["currency"], fields["network"]) == ("ETH", "ETH")
        assert {fields["category"], *fields.get("concepts", []), *[fields.get("abuse")] * ("abuse" in fields)} <= GS_CONCEPTS
        json.loads(fields["context"])


def test_confidence_maps_to_the_investigation_levels_at_or_below_the_score():
    assert [confidence_level(s) for s in (100, 90, 70, 69, 60, 10, 9, 0, None)] == [
        "forensic_investigation", "forensic_investigation", "forensic_investigation", "heuristic",
        "heuristic", "heuristic", "unknown", "unknown", "unknown"]
    assert all(CONFIDENCE_LEVELS[confidence_level(s)] <= s for s in range(5, 101))


def test_victims_are_left_out_of_the_tagpack_unless_asked_for(con, tmp_path):
    without = export_tagpack(con, CASE, tmp_path / "default.yaml")
    everyone = export_tagpack(con, CASE, tmp_path / "all.yaml", include_victims=True)
    roles = set(roles_from_tags(read_tag_file(tmp_path / "default.yaml").tags).values())
    assert without < everyone and roles == {"perpetrator", "deposit_wallet"}
    assert "victim" in set(roles_from_tags(read_tag_file(tmp_path / "all.yaml").tags).values())
    assert "and victims" not in yaml.safe_load((tmp_path / "default.yaml").read_text())["description"]


def test_the_tagpack_carries_the_tlp_chosen_in_its_head_and_every_tag(con, tmp_path):
    out = tmp_path / "strict.yaml"
    export_tagpack(con, CASE, out, tlp="amber+strict")
    text = out.read_text()
    assert text.startswith("# TLP:AMBER+STRICT: limited disclosure")
    pack = yaml.safe_load(text)
    assert pack["description"].endswith("Shared under TLP:AMBER+STRICT.")
    assert {json.loads(tag["context"])["tlp"] for tag in pack["tags"]} == {"amber+strict"}
    assert read_tag_file(out).tags  # still a TagPack tracers (and GraphSense) reads
    with pytest.raises(TracersError, match=r"clear, green, amber, amber\+strict, red"):
        export_tagpack(con, CASE, tmp_path / "bad.yaml", tlp="orange")
    assert not (tmp_path / "bad.yaml").exists()


def test_the_tagpack_command_takes_the_tlp_and_the_victims_choice(world, tmp_path):
    from typer.testing import CliRunner

    from tracers.cli import app

    shutil.copy(world / "full.duckdb", tmp_path / "copy.duckdb")

    def roles(*options: str) -> set[str]:
        out = tmp_path / f"case{len(list(tmp_path.iterdir()))}.yaml"
        result = CliRunner().invoke(app, ["--db", str(tmp_path / "copy.duckdb"), "export", "tagpack",
                                          "--case", CASE, "--out", str(out), *options])
        assert result.exit_code == 0, result.output
        assert out.read_text().startswith(f"# TLP:{'RED' if '--tlp' in options else 'AMBER'}: ")
        return set(roles_from_tags(read_tag_file(out).tags).values())

    assert "victim" not in roles() and "victim" not in roles("--tlp", "red", "--no-victims")
    assert "victim" in roles("--include-victims") and "victim" in roles("--victims")  # the old name


def test_tagpack_needs_a_yaml_file_name(con, tmp_path):
    with pytest.raises(TracersError, match="ending in .yaml"):
        export_tagpack(con, CASE, tmp_path / "case.csv")


def test_importing_the_case_tagpack_keeps_deposit_addresses_on_the_next_trace(store_copy, tmp_path):
    from tracers.trace import trace_case

    before = latest_run(store_copy, CASE).run_id
    export_tagpack(store_copy, CASE, tmp_path / "case.yaml")
    assert import_tag_files(store_copy, [tmp_path / "case.yaml"]).ok
    after = trace_case(store_copy, CASE).run_id
    roles = [sorted(store_copy.execute("SELECT address, role FROM trace_addresses WHERE run_id = ? "
                                       "AND role IN ('deposit_wallet', 'exchange')", [r]).fetchall())
             for r in (before, after)]
    assert roles[0] == roles[1]
