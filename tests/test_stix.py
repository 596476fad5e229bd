"""STIX 2.1 export (issue 14): a case shared with partner units as one bundle.

Most tests read the hand-made trace of tests/test_exports.py (every expected value is written out
there); one traces the two scam groups of tests/test_case_links.py for real. Every bundle is checked
with the OASIS validator (stix2-validator), strictly and offline.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import stix2validator.validator
from stix2validator import ValidationOptions, validate_file
from test_case_links import (  # noqa: F401 - two_groups: the fixture of two traced scam groups
    BROKER_DEPOSIT,
    CASE_A,
    CONSOLIDATOR,
    OWN_DEPOSIT,
    collection,
    two_groups,
    usdt,
    victim,
)
from test_exports import CASE, D1, D2, D3, MAX, SPAM, USDT, V1, V2, store, tx  # noqa: F401 - store: a fixture
from typer.testing import CliRunner

from tracers import __version__
from tracers.cli import app
from tracers.errors import OutputError, TracersError
from tracers.exports import TLP_LEVELS, export_stix
from tracers.exports.stix import TLP2_EXTENSION, TLP2_MARKING_IDS, WALLET_EXTENSION, CryptocurrencyWallet
from tracers.findings import latest_run
from tracers.trace import trace_case

# Strict: every SHOULD of STIX 2.1 is an error, and every relationship's ends are in the bundle.
# One check is left to `ids_follow_stix`: the validator takes any type it does not know for an SDO
# and wants UUIDv4, while STIX 2.1 asks UUIDv5 of every SCO, the community wallet one too. Naming
# checks (disabled) brings the two checks `disabled` would drop back by name (enabled).
STRICT = {"version": "2.1", "strict": True, "enforce_refs": True, "disabled": "uuid-check",
          "enabled": "extension-description,extension-properties"}
PERPETRATORS = {"0x" + c * 40 for c in "34678"}  # collection, consolidator, three peel hops


@pytest.fixture
def case_store(store):  # noqa: F811 - the fixture imported above
    """The hand-made trace of tests/test_exports.py: case FIU-2026-0142, victims V1 and V2."""
    return store


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """The validator fetches a schema over HTTP only for references outside its own copies: none here."""
    def refuse(url, *args, **kwargs):
        raise AssertionError(f"the STIX validator tried to fetch {url}")
    monkeypatch.setattr(stix2validator.validator.requests, "get", refuse)


def export(con, path: Path, **options) -> dict:
    export_stix(con, CASE, path, **options)
    return json.loads(path.read_text(), parse_float=refuse_float)


def refuse_float(text: str):
    raise AssertionError(f"a float in the bundle: {text}")


def valid(path: Path) -> None:
    results = validate_file(str(path), ValidationOptions(**STRICT))
    assert results.is_valid, [str(e) for r in results.object_results for e in r.errors]


def by_type(bundle: dict, kind: str) -> list[dict]:
    return [o for o in bundle["objects"] if o["type"] == kind]


def indicators(bundle: dict) -> dict[str, dict]:
    """Address -> its indicator (the address read back from the pattern)."""
    found = {}
    for o in by_type(bundle, "indicator"):
        assert o["pattern"].startswith("[cryptocurrency-wallet:value = '") and o["pattern"].endswith("']")
        found[o["pattern"].split("'")[1]] = o
    return found


def ids_follow_stix(bundle: dict) -> None:
    """Observables: UUIDv5 from their value (STIX's deterministic id); everything else UUIDv4."""
    for o in bundle["objects"]:
        kind, _, value = o["id"].partition("--")
        assert kind == o["type"]
        if kind == "cryptocurrency-wallet":
            assert o["id"] == CryptocurrencyWallet(value=o["value"]).id and uuid.UUID(value).version == 5
        else:
            assert uuid.UUID(value).version == 4, o["id"]
    assert uuid.UUID(bundle["id"].partition("--")[2]).version == 4


# ---------------------------------------------------------------- the bundle


@pytest.mark.parametrize("victims", [False, True])
def test_the_bundle_is_valid_stix_2_1(case_store, tmp_path, victims):
    bundle = export(case_store, tmp_path / "case.json", include_victims=victims)
    valid(tmp_path / "case.json")
    ids_follow_stix(bundle)
    assert len({o["id"] for o in bundle["objects"]}) == len(bundle["objects"])


def test_the_case_is_a_report_naming_the_run_and_the_tracers_version(case_store, tmp_path):
    bundle = export(case_store, tmp_path / "case.json")
    run = latest_run(case_store, CASE)
    (report,) = by_type(bundle, "report")
    assert report["name"] == f"tracers case {CASE}: Romance scam"
    assert run.run_id in report["description"] and f"tracers {__version__}" in report["description"]
    assert {datetime.fromisoformat(report[k]) for k in ("published", "created", "modified")} == {run.finished_at}
    assert (report["x_tracers_case_id"], report["x_tracers_run_id"]) == (CASE, run.run_id)
    meta = {"marking-definition", "extension-definition", "report"}
    author = next(o["id"] for o in by_type(bundle, "identity") if o["name"] == "tracers")
    assert sorted(report["object_refs"]) == sorted(
        o["id"] for o in bundle["objects"] if o["type"] not in meta and o["id"] != author)
    assert all(o.get("created_by_ref") == author for o in bundle["objects"]
               if o["type"] not in {"marking-definition", "cryptocurrency-wallet"} and o["id"] != author)
    (extension,) = by_type(bundle, "extension-definition")
    used = {k for o in bundle["objects"] for k in o if k.startswith("x_")}
    assert used <= set(extension["extension_properties"])


def test_every_perpetrator_address_is_an_indicator_of_its_scam_cluster(case_store, tmp_path):
    bundle = export(case_store, tmp_path / "case.json")
    found = indicators(bundle)
    perpetrators = {a: o for a, o in found.items() if o["x_tracers_role"] == "perpetrator"}
    assert set(perpetrators) == PERPETRATORS
    assert {o["x_tracers_subrole"] for o in perpetrators.values()} == {"collection", "consolidator", "peel_hop"}
    assert all(o["indicator_types"] == ["malicious-activity"] and o["x_tracers_findings"]
               and o["x_tracers_cluster_id"] == "C1" and o["x_tracers_chain"] == "ethereum"
               for o in perpetrators.values())
    assert perpetrators["0x" + "4" * 40]["x_tracers_rules"] == ["fan_in"]
    (cluster,) = by_type(bundle, "threat-actor")
    assert cluster["name"] == "scam cluster C1" and cluster["threat_actor_types"] == ["crime-syndicate"]
    indicates = {r["source_ref"] for r in by_type(bundle, "relationship")
                 if r["relationship_type"] == "indicates" and r["target_ref"] == cluster["id"]}
    assert indicates == {o["id"] for o in perpetrators.values()}
    assert {w["value"] for w in by_type(bundle, "cryptocurrency-wallet")} == set(found)
    assert all(w["extensions"] == {WALLET_EXTENSION: {"extension_type": "new-sco"}}
               for w in by_type(bundle, "cryptocurrency-wallet"))


def test_deposit_addresses_relate_to_their_exchange_with_the_exact_victim_money_traced(case_store, tmp_path):
    bundle = export(case_store, tmp_path / "case.json")
    found = indicators(bundle)
    exchanges = {o["id"]: o for o in by_type(bundle, "identity") if o["identity_class"] == "organization"}
    assert sorted(o["name"] for o in exchanges.values()) == ["=Evil.Exchange", "Binance"]
    assert all(o["sectors"] == ["financial-services"] for o in exchanges.values())
    related = {r["source_ref"]: r for r in by_type(bundle, "relationship") if r["relationship_type"] == "related-to"}
    wallets = {w["value"]: w for w in by_type(bundle, "cryptocurrency-wallet")}
    expected = {
        D1: ("Binance", [("USDT", "1200", "1200000000")], [tx(20), tx(22)], 3),
        D2: ("Binance", [("USDT", "300.000001", "300000001")], [tx(24)], 1),
        D3: ("=Evil.Exchange", [("SPAM", str(MAX - 1), str(MAX - 1)), ("ETH", "1", str(10**18))], [tx(25), tx(26)], 2),
    }
    for address, (exchange, amounts, txs, transfers) in expected.items():
        indicator = found[address]
        assert indicator["x_tracers_role"] == "deposit_wallet" and indicator["indicator_types"] == ["attribution"]
        relation = related[indicator["id"]]
        assert exchanges[relation["target_ref"]]["name"] == exchange
        assert wallets[address]["holder_ref"] == relation["target_ref"]
        for facts in (relation["x_tracers_traced"], indicator["x_tracers_traced"]):
            assert [(t["symbol"], t["amount"], t["base_units"]) for t in facts] == amounts
        assert relation["x_tracers_tx_hashes"] == txs and relation["x_tracers_transfers"] == transfers
        assert set(indicator["x_tracers_findings"]) <= set(relation["x_tracers_findings"])
    assert found[D1]["confidence"] == 90  # tracers' own score
    assert {t["asset"] for t in related[found[D1]["id"]]["x_tracers_traced"]} == {USDT}
    assert {t["asset"] for t in related[found[D3]["id"]]["x_tracers_traced"]} == {SPAM, "native"}


def test_victims_are_left_out_unless_asked_for(case_store, tmp_path):
    default = (tmp_path / "default.json")
    bundle = export(case_store, default)
    text = default.read_text()
    assert V1 not in text and V2 not in text
    assert "victim" not in {o["x_tracers_role"] for o in by_type(bundle, "indicator")}
    assert "victims' addresses are left out (personal data)" in by_type(bundle, "report")[0]["description"]

    bundle = export(case_store, tmp_path / "all.json", include_victims=True)
    victims = {a: o for a, o in indicators(bundle).items() if o["x_tracers_role"] == "victim"}
    assert set(victims) == {V1, V2}
    assert all("indicator_types" not in o for o in victims.values())  # nothing malicious about a victim
    assert {o["x_tracers_subrole"] for o in victims.values()} == {"reported", "discovered"}


@pytest.mark.parametrize("tlp", TLP_LEVELS)
def test_the_chosen_tlp_2_0_marking_marks_every_object(case_store, tmp_path, tlp):
    bundle = export(case_store, tmp_path / "case.json", tlp=tlp)
    valid(tmp_path / "case.json")
    (marking,) = by_type(bundle, "marking-definition")
    assert marking == {  # the object OASIS publishes, as it is
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2_MARKING_IDS[tlp],
        "created": "2022-10-01T00:00:00.000Z", "name": f"TLP:{tlp.upper()}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}},
    }
    assert all(o["object_marking_refs"] == [marking["id"]] for o in bundle["objects"] if o is not marking)


def test_amber_strict_is_never_weakened_to_amber(case_store, tmp_path):
    bundle = export(case_store, tmp_path / "case.json", tlp="TLP:AMBER+STRICT")
    refs = {ref for o in bundle["objects"] for ref in o.get("object_marking_refs", [])}
    assert refs == {TLP2_MARKING_IDS["amber+strict"]}
    assert "TLP:AMBER+STRICT" in by_type(bundle, "report")[0]["description"]


def test_the_same_store_gives_the_same_bytes(case_store, tmp_path):
    export_stix(case_store, CASE, tmp_path / "a.json")
    export_stix(case_store, CASE, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    data = (tmp_path / "a.json").read_bytes()
    assert data.endswith(b"}\n") and b"\r" not in data
    red = json.loads(export_stix(case_store, CASE, tmp_path / "red.json", tlp="red").path.read_text())
    same = {o["id"] for o in red["objects"]} & {o["id"] for o in json.loads(data)["objects"]}
    assert {i.partition("--")[0] for i in same} == {"cryptocurrency-wallet"}  # another marking, other objects


def test_a_bad_tlp_is_refused_naming_the_choices(case_store, tmp_path):
    for bad, hint in (("orange", ""), ("white", "renamed white to clear")):
        with pytest.raises(TracersError, match=r"give one of clear, green, amber, amber\+strict, red") as caught:
            export_stix(case_store, CASE, tmp_path / "case.json", tlp=bad)
        assert hint in str(caught.value)
    assert not (tmp_path / "case.json").exists()


def test_an_existing_out_file_is_replaced_only_with_force(case_store, tmp_path):
    out = tmp_path / "case.json"
    out.write_text("an earlier bundle")
    with pytest.raises(OutputError, match="exists: give --force"):
        export_stix(case_store, CASE, out)
    assert out.read_text() == "an earlier bundle"
    export_stix(case_store, CASE, out, force=True)
    assert json.loads(out.read_text())["type"] == "bundle"


# ---------------------------------------------------------------- a real trace


def test_a_traced_case_shares_its_cluster_and_the_broker_deposit_with_the_exact_amount(two_groups, tmp_path):  # noqa: F811
    con = two_groups
    trace_case(con, CASE_A)
    out = tmp_path / "a.json"
    export_stix(con, CASE_A, out)
    valid(out)
    bundle = json.loads(out.read_text(), parse_float=refuse_float)
    ids_follow_stix(bundle)
    found = indicators(bundle)
    roles = {a: o["x_tracers_role"] for a, o in found.items()}
    assert {collection("A", n) for n in (1, 2, 3)} | {CONSOLIDATOR["A"]} <= {a for a, r in roles.items()
                                                                          if r == "perpetrator"}
    assert roles[BROKER_DEPOSIT] == roles[OWN_DEPOSIT["A"]] == "deposit_wallet"
    assert not {victim("A", n) for n in (1, 2, 3)} & set(found)
    related = {r["source_ref"]: r for r in by_type(bundle, "relationship") if r["relationship_type"] == "related-to"}
    okx = related[found[BROKER_DEPOSIT]["id"]]
    assert next(o["name"] for o in bundle["objects"] if o["id"] == okx["target_ref"]) == "okx"
    assert [(t["symbol"], t["amount"], t["base_units"]) for t in okx["x_tracers_traced"]] == [
        ("USDT", "15000", str(usdt(15_000)))]


# ---------------------------------------------------------------- the command line


def test_the_export_stix_command(case_store, tmp_path):
    case_store.close()
    db, out = tmp_path / "s.duckdb", tmp_path / "case.json"

    def run(*extra: str):
        result = CliRunner().invoke(app, ["--db", str(db), "export", "stix", "--case", CASE, "--out", str(out), *extra])
        result.said = " ".join(result.output.split())
        return result

    done = run("--tlp", "amber+strict", "--include-victims")
    assert done.exit_code == 0, done.output
    assert f"wrote {out}:" in done.said and "TLP:AMBER+STRICT" in done.said and "2 victim" in done.said
    assert V1 in out.read_text()
    again = run()
    assert again.exit_code == 1 and "exists: give --force" in again.said
    replaced = run("--force")
    assert replaced.exit_code == 0 and V1 not in out.read_text() and "TLP:AMBER" in replaced.said
    bad = run("--tlp", "orange", "--force")
    assert bad.exit_code == 2 and "Traceback" not in bad.output  # a usage error, before the store is opened
    assert "'orange' is not one of" in bad.said and all(f"'{level}'" in bad.said for level in TLP_LEVELS)
