"""Tags: reading GraphSense TagPacks and tag CSVs, validating them, writing them to the store."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from tracers.chains import GRAPHSENSE_NETWORKS, GRAPHSENSE_TOKEN_CODES, normalize_address
from tracers.errors import AddressError, TagFileError
from tracers.store import connect
from tracers.tags import (
    CONFIDENCE_LEVELS,
    builtin_tag_files,
    import_tag_files,
    read_tag_file,
)
from tracers.tags.build_builtin import BRIDGES, bridges, build
from tracers.tags.confidence import confidence_score
from tracers.tags.fields import resolve_chain
from tracers.tags.taxonomy import KNOWN_CATEGORIES, SPELLINGS, read_category

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = Path(__file__).parent / "resources" / "tags"
# The public data the built-in packs are made from (build_builtin's --data): GraphSense's TagPacks
# and the OFAC lists, vendored with their licences (tests/resources/tag-sources/README.md).
TAG_SOURCES = Path(__file__).parent / "resources" / "tag-sources"
TAGPACKS = TAG_SOURCES / "tagpacks"
GRAPHSENSE_PACKS = sorted(TAGPACKS.glob("*.yaml"))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory store with the schema applied."""
    return connect(":memory:")


def rows(con: duckdb.DuckDBPyConnection, tagpack: str) -> list[tuple]:
    return con.execute(
        "SELECT * FROM tags WHERE tagpack = ? ORDER BY tag_index", [tagpack]
    ).fetchall()


def by_index(con: duckdb.DuckDBPyConnection, tagpack: str) -> dict[int, dict]:
    cursor = con.execute("SELECT * FROM tags WHERE tagpack = ? ORDER BY tag_index", [tagpack])
    names = [d[0] for d in cursor.description]
    return {r[1]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT import_id FROM imports ORDER BY 1").fetchall()]


def problems_of(path: Path) -> list[str]:
    with pytest.raises(TagFileError) as caught:
        read_tag_file(path)
    return caught.value.problems


# --- GraphSense's own TagPacks ------------------------------------------------------------------


@pytest.mark.parametrize("path", GRAPHSENSE_PACKS, ids=lambda p: p.name)
def test_every_graphsense_tagpack_imports_one_row_per_tag(con, path):
    document = yaml.safe_load(path.read_text())
    result = import_tag_files(con, [path])

    assert result.ok, result.files[0].error
    assert result.files[0].count == len(document["tags"])
    assert len(rows(con, path.name)) == len(document["tags"])


@pytest.mark.parametrize("path", GRAPHSENSE_PACKS, ids=lambda p: p.name)
def test_graphsense_tags_on_known_chains_are_stored_normalised(con, path):
    """Each tag under a network code lands on that chain, its address in canonical form; codes
    tracers lacks keep the code and the address as written. The only exception a real pack has
    (a Tron address OFAC lists as BTC) lands on tron and is reported as a warning."""
    document = yaml.safe_load(path.read_text())
    header_code = document.get("network", document.get("currency"))
    result = import_tag_files(con, [path])
    stored = by_index(con, path.name)

    rerouted = []
    for index, raw in enumerate(document["tags"]):
        code = str(raw.get("network", raw.get("currency", header_code)))
        address = str(raw["address"]).strip()
        row = stored[index]
        if code.upper() in GRAPHSENSE_NETWORKS:
            chain = GRAPHSENSE_NETWORKS[code.upper()]
            try:
                expected = (chain, normalize_address(chain, address))
            except AddressError:
                rerouted.append(index)
                expected = ("tron", normalize_address("tron", address))
            assert (row["chain"], row["address"]) == expected
        elif code.upper() not in GRAPHSENSE_TOKEN_CODES:
            assert (row["chain"], row["address"]) == (code.lower(), address)

    assert len(result.files[0].warnings) == len(rerouted)
    for index in rerouted:
        assert any(f"tag {index} " in w for w in result.files[0].warnings)
        assert "checksum-valid Tron address" in stored[index]["context"]


def test_all_graphsense_tagpacks_import_together(con):
    assert len(GRAPHSENSE_PACKS) == 13  # the vendored packs are there: none of these tests is empty
    result = import_tag_files(con, GRAPHSENSE_PACKS)

    assert result.ok
    total = sum(len(yaml.safe_load(p.read_text())["tags"]) for p in GRAPHSENSE_PACKS)
    assert result.imported == total
    assert con.execute("SELECT count(*) FROM tags").fetchone()[0] == total
    imports = con.execute("SELECT import_id, kind, detail FROM imports ORDER BY 1").fetchall()
    assert [i[0] for i in imports] == sorted(f"tags:{p.name}@{sha256(p)}" for p in GRAPHSENSE_PACKS)
    assert {i[1] for i in imports} == {"tags"}


def test_ofac_tron_address_listed_as_btc_is_kept_on_tron_with_a_warning(con):
    import_tag_files(con, [TAGPACKS / "ofac.yaml"])

    found = con.execute(
        "SELECT chain, context FROM tags WHERE address = 'TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq'"
    ).fetchall()
    assert [c for c, _ in found] == ["tron"]
    assert "listed under 'BTC'" in found[0][1]


def test_usdt_tags_take_the_chain_their_address_form_tells(con):
    import_tag_files(con, [TAGPACKS / "ofac.yaml", TAGPACKS / "exchange-wallets-bitfinexcom.yaml"])

    def chain_of(address: str) -> set[str]:
        found = con.execute(
            "SELECT DISTINCT chain FROM tags WHERE address = ? OR address = lower(?)",
            [address, address],
        ).fetchall()
        return {r[0] for r in found}

    assert "ethereum" in chain_of("0x38735f03b30FbC022DdD06ABED01F0Ca823C6a94")  # USDT, 0x...
    assert chain_of("TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG") == {"tron"}  # USDT, T...
    assert chain_of("3LtcaPbCj87CwJHnRX3vh7c2y9RZQqeSy8") == {"bitcoin"}  # Omni USDT
    assert chain_of("GnCRxKqUEPouYMvTb5nJMGrDB3VkTXZnDTaDuVZdnWA3") == {"usdt"}  # Solana USDT


# --- reading: inheritance, confidence, chains ---------------------------------------------------


def test_header_fields_are_inherited_unless_the_tag_sets_them():
    tags = read_tag_file(RESOURCES / "inherit.yaml").tags

    inherited, overriding, tron, xrp = tags
    assert inherited.label == "Example Exchange hot wallet"
    assert inherited.category == "exchange"  # header `Exchange`, lowercased
    assert inherited.actor == "example_exchange"
    assert inherited.confidence == 50  # service_data
    assert inherited.source == "https://example.org/wallets"
    assert inherited.is_public is True
    assert inherited.concepts == ("exchange", "hot_wallet")
    assert inherited.context == '{"note": "from the header"}'
    assert (inherited.chain, inherited.address) == (
        "ethereum",
        "0x28c6c06298d514db089934071355e5743bf21d60",
    )

    assert overriding.label == "Example Exchange cold wallet"
    assert overriding.actor == "other_exchange"
    assert overriding.confidence == 90
    assert overriding.concepts == ("cold_wallet",)
    assert overriding.context == '{"tx": "0xabc"}'
    assert overriding.is_public is False
    assert overriding.abuse == "scam"
    assert overriding.address == "0xdfd5293d8e347dfe59e90efd55b2956a1343963d"  # unquoted 0x

    assert (tron.chain, tron.address, tron.confidence) == (
        "tron",
        "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9",
        100,
    )
    assert tron.source == "https://example.org/tron"
    assert tron.label == inherited.label

    assert (xrp.chain, xrp.address) == ("xrp", "rGeyCsqc6vKXuyTGF39WJxmTRemoV3c97h")


def test_tags_remember_their_index_and_line():
    tags = read_tag_file(RESOURCES / "inherit.yaml").tags

    assert [t.index for t in tags] == [0, 1, 2, 3]
    lines = (RESOURCES / "inherit.yaml").read_text().splitlines()
    assert all(lines[t.line - 1].startswith("- address:") for t in tags)


def test_confidence_levels_are_graphsense_scores():
    assert CONFIDENCE_LEVELS["ownership"] == 100
    assert CONFIDENCE_LEVELS["ledger_immanent"] == 100
    assert CONFIDENCE_LEVELS["manual_transaction"] == 90
    assert CONFIDENCE_LEVELS["forensic_investigation"] == 70
    assert CONFIDENCE_LEVELS["authority_data"] == 60
    assert CONFIDENCE_LEVELS["service_data"] == 50
    assert CONFIDENCE_LEVELS["web_crawl"] == 20
    assert CONFIDENCE_LEVELS["heuristic"] == 10
    assert CONFIDENCE_LEVELS["unknown"] == 5
    assert confidence_score("Authority_Data") == 60
    assert confidence_score(75) == 75
    assert confidence_score("75") == 75


@pytest.mark.parametrize("value", ["very_sure", 101, -1, True, 0.5])
def test_confidence_rejects_what_is_neither_a_level_nor_0_to_100(value):
    with pytest.raises(ValueError, match="integer 0-100 or a GraphSense level"):
        confidence_score(value)


def test_confidence_names_become_scores_in_the_store(con):
    import_tag_files(con, [TAGPACKS / "usdt_blacklist.yaml", TAGPACKS / "tornado_cash.yaml"])

    scores = dict(
        con.execute("SELECT tagpack, any_value(confidence) FROM tags GROUP BY 1").fetchall()
    )
    assert scores == {"usdt_blacklist.yaml": 100, "tornado_cash.yaml": 60}


@pytest.mark.parametrize(
    ("code", "address", "chain"),
    [
        ("ETH", "0x28C6c06298d514Db089934071355E5743bf21d60", "ethereum"),
        ("BEP20", "0x28c6c06298d514db089934071355e5743bf21d60", "bsc"),
        ("TRX", "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9", "tron"),
        ("USDT", "0x28c6c06298d514db089934071355e5743bf21d60", "ethereum"),
        ("USDC", "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9", "tron"),
        ("USDT", "J4rzLDLhLWFpjSgCMCcxTU84bQ8AH5vhgjwq7SjYVk8Q", "usdt"),
        ("XRP", "rGeyCsqc6vKXuyTGF39WJxmTRemoV3c97h", "xrp"),
        ("tron", "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9", "tron"),
        (None, "bc1qm34lsc65zpw79lxes69zkqmk6ee3ewf0j77s3h", "bitcoin"),
    ],
)
def test_resolve_chain(code, address, chain):
    assert resolve_chain(code, address)[0] == chain


def test_a_mistyped_evm_address_under_another_chain_is_not_rerouted():
    with pytest.raises(ValueError, match="not a Bitcoin address"):
        resolve_chain("BTC", "0x28c6c06298d514db089934071355e5743bf21d60")


# --- bad files ----------------------------------------------------------------------------------


def test_a_bad_file_names_file_tag_line_and_field_for_every_problem():
    problems = problems_of(RESOURCES / "bad.yaml")

    assert problems[0] == (
        "bad.yaml: tag 1 (line 7), field 'address': '0xABC' is not an EVM address: "
        "expected 0x followed by 40 hex digits"
    )
    where_field = [(p.split(", field ")[0], p.split("field ")[1].split(":")[0]) for p in problems]
    assert where_field == [
        ("bad.yaml: tag 1 (line 7)", "'address'"),
        ("bad.yaml: tag 2 (line 8)", "'confidence'"),
        ("bad.yaml: tag 2 (line 8)", "'address'"),
        ("bad.yaml: tag 3 (line 10)", "'address'"),
        ("bad.yaml: tag 4 (line 11)", "'address'"),
        ("bad.yaml: tag 5 (line 12)", "'address'"),  # its category `mixing service` is read
        # as mixing_service (test_common_category_spellings_are_read_as_taxonomy_ids)
        ("bad.yaml: tag 6 (line 15)", "'is_public'"),
        ("bad.yaml: tag 6 (line 15)", "'concepts'"),
    ]
    assert "EIP-55 checksum" in problems[3]
    assert "base58check checksum" in problems[5]


def test_a_missing_label_is_a_problem_unless_the_header_gives_one():
    assert problems_of(RESOURCES / "no-label.yaml") == [
        "no-label.yaml: tag 0 (line 5), field 'label': missing: give the tag a label, "
        "or the header one label for all its tags"
    ]


def test_a_bad_header_value_is_reported_once_at_the_header(tmp_path):
    pack = tmp_path / "bad-header.yaml"
    pack.write_text(
        "title: t\ncreator: c\ncurrency: ETH\nlabel: l\nconfidence: sure\ntags:\n"
        "- address: '0x28c6c06298d514db089934071355e5743bf21d60'\n"
        "- address: '0x21a31ee1afc51d94c2efccaa2092ad1028285549'\n"
    )
    problems = problems_of(pack)

    assert len(problems) == 1
    assert problems[0].startswith("bad-header.yaml: header, field 'confidence': 'sure'")


def test_a_yaml_syntax_error_names_the_line():
    (problem,) = problems_of(RESOURCES / "syntax-error.yaml")

    assert problem.startswith("syntax-error.yaml: line 6, column 2: not valid YAML")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("empty.yaml", "", "a TagPack is a mapping with a `tags:` list"),
        ("no-tags.yaml", "title: t\ntags: []\n", "the list is empty"),
        ("scalar-tag.yaml", "title: t\ntags:\n- just text\n", "tag 0 (line 3): expected a mapping"),
        ("tags.txt", "address,label\n", "use a GraphSense TagPack (.yaml, .yml) or a CSV"),
        (
            "no-currency.yaml",
            "label: l\ntags:\n- address: TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9\n",
            "field 'currency': missing",
        ),
        ("header-only.csv", "address,label\n", "no tags below the header"),
        ("no-label-column.csv", "address,category\n0xabc,exchange\n", "the header lacks label"),
        (
            "too-many-cells.csv",
            "address,label\nTMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9,a,b\n",
            "tag 0 (line 2): 3 cells for 2 columns",
        ),
    ],
)
def test_malformed_files_say_what_to_fix(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)

    (problem,) = problems_of(path)
    assert problem.startswith(f"{name}: ")
    assert expected in problem


def test_a_missing_file_is_a_tag_file_error(tmp_path):
    (problem,) = problems_of(tmp_path / "absent.yaml")
    assert problem.startswith("absent.yaml: cannot read")


# --- categories: the GraphSense / INTERPOL DW-CC taxonomy --------------------------------------


@pytest.mark.parametrize(
    ("written", "category"),
    [
        ("mixer", "mixing_service"),
        ("mixing", "mixing_service"),
        ("Tumbler", "mixing_service"),
        ("mixing service", "mixing_service"),
        ("bridge", "defi_bridge"),
        ("Cross-chain bridge", "defi_bridge"),
        ("DEX", "defi_dex"),
        ("amm", "defi_dex"),
        ("swap", "defi_dex"),
        ("cex", "exchange"),
        ("exchange wallet", "exchange"),
        ("Hot  Wallet", "exchange"),
        ("OTC desk", "otc"),
        ("Money Laundering", "money_laundering"),  # a known id written with a space
        ("defi-bridge", "defi_bridge"),
    ],
)
def test_common_category_spellings_are_read_as_taxonomy_ids(written, category):
    assert read_category(written) == (category, "mapped")


@pytest.mark.parametrize(
    "written", ["exchange", "Exchange", "defi_bridge", "hot_wallet", "black_list", "otc"]
)
def test_known_categories_are_kept_without_a_message(written):
    assert read_category(written) == (written.lower(), "known")


def test_every_spelling_maps_to_a_known_category():
    assert set(SPELLINGS.values()) <= KNOWN_CATEGORIES
    for category in ("exchange", "mixing_service", "defi_bridge", "defi_dex", "sanction",
                     "deposit_wallet", "perpetrator", "victim", "scam", "otc"):  # fmt: skip
        assert category in KNOWN_CATEGORIES


def test_every_category_of_the_graphsense_tagpacks_is_known():
    read = [read_tag_file(p) for p in GRAPHSENSE_PACKS]

    assert {t.category for f in read for t in f.tags} <= KNOWN_CATEGORIES
    assert not [w for f in read for w in f.warnings if "category" in w]


ADDRESSES = (
    "0x8589427373d6d84e98730d7795d8f6f8731fda16",
    "0x722122df12d4e14e13ac3b6895a86e84145b6967",
    "0x99c9fc46f92e8a1c0dec1b1747d010903e884be1",
    "0x28c6c06298d514db089934071355e5743bf21d60",
)


def import_categories(con, path: Path, categories: list[str]) -> tuple[list, tuple[str, ...]]:
    """Import a CSV tagging ADDRESSES with `categories`: (stored categories, its warnings)."""
    pairs = zip(ADDRESSES, categories, strict=False)
    rows = "".join(f"{a},tag {i},{c}\n" for i, (a, c) in enumerate(pairs))
    path.write_text("address,label,category\n" + rows)
    result = import_tag_files(con, [path])
    assert result.ok, result.files[0].error
    return [r["category"] for r in by_index(con, path.name).values()], result.files[0].warnings


def test_a_csv_with_common_spellings_imports_them_as_taxonomy_ids_and_says_so(con, tmp_path):
    stored, warnings = import_categories(
        con, tmp_path / "spellings.csv", ["Mixer", "mixer", "cross-chain bridge", "exchange"]
    )

    assert stored == ["mixing_service", "mixing_service", "defi_bridge", "exchange"]
    assert warnings == (
        "spellings.csv: category 'mixer' read as mixing_service (2 tags)",
        "spellings.csv: category 'cross-chain bridge' read as defi_bridge (1 tag)",
    )
    detail = con.execute("SELECT detail FROM imports WHERE import_id LIKE 'tags:spellings.csv@%'")
    assert json.loads(detail.fetchone()[0])["warnings"] == list(warnings)


def test_a_header_category_spelling_is_reported_once_for_all_its_tags(tmp_path):
    pack = tmp_path / "header-mixer.yaml"
    pack.write_text(
        "title: t\ncreator: c\ncurrency: ETH\nlabel: l\ncategory: Mixer\ntags:\n"
        "- address: '0x8589427373d6d84e98730d7795d8f6f8731fda16'\n"
        "- address: '0x722122df12d4e14e13ac3b6895a86e84145b6967'\n"
        "- address: '0x28c6c06298d514db089934071355e5743bf21d60'\n"
        "  category: exchange\n"
    )
    tag_file = read_tag_file(pack)

    assert [t.category for t in tag_file.tags] == ["mixing_service", "mixing_service", "exchange"]
    assert tag_file.warnings == (
        "header-mixer.yaml: category 'mixer' read as mixing_service (2 tags)",
    )


def test_unknown_categories_are_kept_as_written_with_one_warning_listing_the_known(con, tmp_path):
    stored, warnings = import_categories(
        con, tmp_path / "unknown.csv", ["scam_hub", "Pig Butchering Ring", "scam_hub", ""]
    )

    assert stored == ["scam_hub", "pig butchering ring", "scam_hub", None]
    (warning,) = warnings
    assert warning.startswith(
        "unknown.csv: categories 'scam_hub' (2 tags), 'pig butchering ring' (1 tag) not in the "
        "GraphSense / INTERPOL DW-CC taxonomy, kept as written; the known categories are "
    )
    for known in ("defi_bridge", "defi_dex", "exchange", "mixing_service", "otc", "sanction"):
        assert f" {known}," in warning
    assert "(and the spellings mixer, mixing, tumbler" in warning


def test_a_category_that_is_not_text_is_still_a_problem(tmp_path):
    pack = tmp_path / "list-category.yaml"
    pack.write_text(
        "title: t\ncurrency: ETH\nlabel: l\ntags:\n"
        "- address: '0x28c6c06298d514db089934071355e5743bf21d60'\n  category: [mixer, bridge]\n"
    )
    (problem,) = problems_of(pack)

    assert problem.startswith("list-category.yaml: tag 0 (line 5), field 'category': expected text")


# --- the store ----------------------------------------------------------------------------------


def test_one_bad_file_does_not_block_the_others(con):
    seen = []
    result = import_tag_files(
        con,
        [RESOURCES / "good-a.yaml", RESOURCES / "bad.yaml", RESOURCES / "good-b.yaml"],
        progress=seen.append,
    )

    assert [f.tagpack for f in seen] == ["good-a.yaml", "bad.yaml", "good-b.yaml"]
    assert [(f.ok, f.count) for f in result.files] == [(True, 2), (False, None), (True, 1)]
    assert [f.tagpack for f in result.failed] == ["bad.yaml"]
    assert len(result.failed[0].error.problems) == 8
    assert not result.ok
    assert result.imported == 3
    assert len(rows(con, "good-a.yaml")) == 2
    assert len(rows(con, "good-b.yaml")) == 1
    assert rows(con, "bad.yaml") == []
    assert import_ids(con) == [
        f"tags:good-a.yaml@{sha256(RESOURCES / 'good-a.yaml')}",
        f"tags:good-b.yaml@{sha256(RESOURCES / 'good-b.yaml')}",
    ]


def test_a_bad_new_version_leaves_the_imported_tagpack_as_it_was(con, tmp_path):
    pack = tmp_path / "good-a.yaml"
    shutil.copyfile(RESOURCES / "good-a.yaml", pack)
    import_tag_files(con, [pack])
    before = rows(con, "good-a.yaml")

    pack.write_text(pack.read_text() + "- address: '0xABC'\n")
    result = import_tag_files(con, [pack])

    assert not result.ok
    assert rows(con, "good-a.yaml") == before


def test_reimport_is_idempotent(con):
    paths = [RESOURCES / "inherit.yaml", RESOURCES / "with-chain.csv"]
    import_tag_files(con, paths)
    first = con.execute("SELECT * FROM tags ORDER BY tagpack, tag_index").fetchall()
    first_imports = con.execute("SELECT import_id, detail FROM imports ORDER BY 1").fetchall()

    import_tag_files(con, paths)

    assert con.execute("SELECT * FROM tags ORDER BY tagpack, tag_index").fetchall() == first
    assert (
        con.execute("SELECT import_id, detail FROM imports ORDER BY 1").fetchall() == first_imports
    )
    assert len(first) == 4 + 5


def test_a_reimport_reports_the_file_unchanged_and_writes_nothing(con):
    first = import_tag_files(con, [RESOURCES / "good-a.yaml"]).files[0]
    again = import_tag_files(con, [RESOURCES / "good-a.yaml"]).files[0]

    assert (first.same_as, first.written) == (None, 2)
    assert again.same_as == f"tags:good-a.yaml@{sha256(RESOURCES / 'good-a.yaml')}"
    assert (again.count, again.written) == (2, 0)
    assert again.summary.startswith("good-a.yaml: unchanged, this content is imported already")


def shortened(tmp_path: Path) -> Path:
    """good-a.yaml in another folder, without its second tag: the same name, other content."""
    (tmp_path / "new").mkdir()
    pack = tmp_path / "new" / "good-a.yaml"
    text = (RESOURCES / "good-a.yaml").read_text()
    pack.write_text(text[: text.index("- address: '0x21a3")])
    return pack


def test_a_changed_file_of_the_same_name_is_added_beside_the_earlier_one(con, tmp_path):
    import_tag_files(con, [RESOURCES / "good-a.yaml"])
    before = rows(con, "good-a.yaml")

    added = import_tag_files(con, [shortened(tmp_path)]).files[0]

    stored = rows(con, "good-a.yaml")
    assert len(stored) == 3 and all(row in stored for row in before)  # the earlier tags stay
    assert added.beside == (f"tags:good-a.yaml@{sha256(RESOURCES / 'good-a.yaml')}",)
    (note,) = added.notes
    assert "added beside the earlier file" in note and "--replace" in note
    assert len(import_ids(con)) == 2


def test_replace_swaps_the_tags_of_earlier_files_of_the_same_name(con, tmp_path):
    import_tag_files(con, [RESOURCES / "good-a.yaml"])
    pack = shortened(tmp_path)

    result = import_tag_files(con, [pack], replace=True).files[0]

    assert [r[3] for r in rows(con, "good-a.yaml")] == [
        "0x28c6c06298d514db089934071355e5743bf21d60"
    ]
    assert result.replaced == (f"tags:good-a.yaml@{sha256(RESOURCES / 'good-a.yaml')}",)
    assert import_ids(con) == [f"tags:good-a.yaml@{sha256(pack)}"]
    detail = json.loads(con.execute("SELECT detail FROM imports").fetchone()[0])
    assert detail["replaced"] == list(result.replaced)  # the record says what went


def test_the_import_is_recorded_with_sha256_and_count(con):
    path = RESOURCES / "good-a.yaml"
    import_tag_files(con, [path])

    kind, detail, imported_at = con.execute(
        "SELECT kind, detail, imported_at FROM imports WHERE import_id = ?",
        [f"tags:good-a.yaml@{sha256(path)}"],
    ).fetchone()
    detail = json.loads(detail)
    assert kind == "tags"
    assert detail["sha256"] == sha256(path)
    assert detail["count"] == 2
    assert imported_at.utcoffset() is not None


def test_two_files_with_the_same_name_in_one_import_both_land(con, tmp_path):
    (tmp_path / "x").mkdir()
    other = tmp_path / "x" / "good-a.yaml"
    shutil.copyfile(RESOURCES / "good-b.yaml", other)

    result = import_tag_files(con, [RESOURCES / "good-a.yaml", other])

    assert [f.ok for f in result.files] == [True, True]
    assert {r[6] for r in rows(con, "good-a.yaml")} == {"good_a", "good_b"}


def test_with_replace_two_files_with_the_same_name_in_one_import_are_refused(con, tmp_path):
    (tmp_path / "x").mkdir()
    other = tmp_path / "x" / "good-a.yaml"
    shutil.copyfile(RESOURCES / "good-b.yaml", other)

    result = import_tag_files(con, [RESOURCES / "good-a.yaml", other], replace=True)

    assert [f.ok for f in result.files] == [True, False]
    assert "rename one, or import them in two runs" in result.files[1].error.problems[0]
    assert {r[6] for r in rows(con, "good-a.yaml")} == {"good_a"}


def test_stored_row_carries_every_field(con):
    import_tag_files(con, [RESOURCES / "inherit.yaml"])

    row = by_index(con, "inherit.yaml")[1]
    assert row == {
        "tagpack": "inherit.yaml",
        "tag_index": 1,
        "chain": "ethereum",
        "address": "0xdfd5293d8e347dfe59e90efd55b2956a1343963d",
        "label": "Example Exchange cold wallet",
        "category": "exchange",
        "actor": "other_exchange",
        "confidence": 90,
        "source": "https://example.org/wallets",
        "abuse": "scam",
        "is_public": False,
        "concepts": ["cold_wallet"],
        "context": '{"tx": "0xabc"}',
        "sha256": sha256(RESOURCES / "inherit.yaml"),
    }


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_with_a_chain_column(con):
    result = import_tag_files(con, [RESOURCES / "with-chain.csv"])

    assert result.ok
    stored = [
        (r["chain"], r["address"], r["label"], r["confidence"])
        for r in by_index(con, "with-chain.csv").values()
    ]
    assert stored == [
        ("ethereum", "0x28c6c06298d514db089934071355e5743bf21d60", "Binance 14", 20),
        ("bsc", "0x28c6c06298d514db089934071355e5743bf21d60", "Binance 14 on BSC", 50),
        ("tron", "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9", "Binance USDT reserve", None),
        ("xrp", "rGeyCsqc6vKXuyTGF39WJxmTRemoV3c97h", "Internet Archive, XRP", None),
        ("bitcoin", "bc1qm34lsc65zpw79lxes69zkqmk6ee3ewf0j77s3h", "Binance reserve", None),
    ]


def test_csv_without_a_chain_column_infers_it_from_the_address(con):
    result = import_tag_files(con, [RESOURCES / "no-chain.csv"])

    assert result.ok
    assert [
        (r["chain"], r["actor"], r["category"]) for r in by_index(con, "no-chain.csv").values()
    ] == [
        ("ethereum", "tornado", "mixing_service"),
        ("tron", "binance", "exchange"),
        ("bitcoin", "binance", "exchange"),
    ]


def test_csv_rows_whose_chain_cannot_be_told_are_problems_with_their_line():
    problems = problems_of(RESOURCES / "no-chain-bad.csv")

    assert [p.split(", field")[0] for p in problems] == [
        "no-chain-bad.csv: tag 1 (line 4)",
        "no-chain-bad.csv: tag 2 (line 5)",
    ]
    assert "cannot tell the chain of 'rGeyCsqc6vKXuyTGF39WJxmTRemoV3c97h'" in problems[0]
    assert "add a chain column" in problems[0]


# --- the built-in starter set -------------------------------------------------------------------


def test_builtin_tag_files_are_tagpacks_inside_the_package():
    files = builtin_tag_files()

    assert [f.name for f in files] == [
        "builtin-bridges.yaml",
        "builtin-etherscan-exchange.yaml",
        "builtin-exchange-wallets.yaml",
        "builtin-ofac-sanctioned.yaml",
        "builtin-tornado-cash.yaml",
        "builtin-usdt-blacklist.yaml",
    ]
    package = ROOT / "tracers" / "tags" / "builtin"
    assert all(f.parent == package for f in files)
    for licence in ("LICENSE-graphsense-tagpacks", "LICENSE-ofac-addresses", "README.md"):
        assert (package / licence).is_file()
    for f in files:
        first = f.read_text().splitlines()[:6]
        assert any("Source:" in line for line in first), f.name


def test_builtin_set_imports(con):
    result = import_tag_files(con, builtin_tag_files())

    assert result.ok, [f.error for f in result.failed]
    assert all(not f.warnings for f in result.files)
    assert con.execute("SELECT DISTINCT chain FROM tags ORDER BY 1").fetchall() == [
        ("bitcoin",),
        ("ethereum",),
        ("tron",),
    ]


def test_builtin_has_binance_hot_wallets_on_ethereum_and_tron(con):
    import_tag_files(con, builtin_tag_files())

    binance = con.execute(
        "SELECT chain, address FROM tags WHERE actor = 'binance' AND category = 'exchange'"
    ).fetchall()
    assert ("ethereum", "0x28c6c06298d514db089934071355e5743bf21d60") in binance  # Binance 14
    assert ("tron", "TMuA6YqfCeX8EhbfYEg5y7S4DqzSJireY9") in binance
    token_contracts = con.execute(
        "SELECT count(*) FROM tags "
        "WHERE category = 'exchange' AND regexp_matches(label, '\\(\\w+\\)$')"
    ).fetchone()[0]
    assert token_contracts == 0


def test_builtin_has_every_ofac_eth_trx_usdt_usdc_address(con):
    import_tag_files(con, builtin_tag_files())
    sanctioned = set(
        con.execute(
            "SELECT chain, address FROM tags WHERE category = 'sanction' AND abuse = 'sanction' "
            "AND confidence = 60"
        ).fetchall()
    )

    for code in ("ETH", "USDT", "USDC", "TRX"):
        for address in json.loads(
            (TAG_SOURCES / "ofac" / f"sanctioned_addresses_{code}.json").read_text()
        ):
            chain = resolve_chain(code, address)[0]
            assert (chain, normalize_address(chain, address)) in sanctioned, (code, address)
    assert ("tron", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq") in sanctioned  # listed by OFAC as XBT


def test_builtin_has_tornado_and_the_usdt_blacklist_without_the_zero_address(con):
    import_tag_files(con, builtin_tag_files())

    tornado = con.execute(
        "SELECT count(*) FROM tags WHERE actor = 'tornado' AND category = 'mixing_service'"
    ).fetchone()[0]
    assert tornado > 0
    blacklisted = con.execute("SELECT address FROM tags WHERE category = 'black_list'").fetchall()
    assert len(blacklisted) > 700
    assert ("0x" + "0" * 40,) not in blacklisted


def test_builtin_files_are_what_build_builtin_makes_from_the_tag_sources(tmp_path):
    build(TAG_SOURCES, tmp_path)

    shipped = ROOT / "tracers" / "tags" / "builtin"
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in shipped.iterdir() if p.is_file())
    for name in made:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), (
            f"{name} differs: rerun .venv/bin/python -m tracers.tags.build_builtin "
            "--data tests/resources/tag-sources"
        )


def test_every_builtin_address_is_valid_for_its_chain():
    for path in builtin_tag_files():
        for tag in read_tag_file(path).tags:
            assert normalize_address(tag.chain, tag.address) == tag.address, (path.name, tag)


# --- the built-in bridges -----------------------------------------------------------------------

BRIDGES_PACK = "builtin-bridges.yaml"


def bridge_rows(con) -> dict[str, tuple]:
    import_tag_files(con, builtin_tag_files())
    found = con.execute(
        """
        SELECT address, category, actor, source, confidence,
               json_extract_string(context, '$.destination_chain'),
               CAST(json_extract(context, '$.destination_chain_id') AS INTEGER)
        FROM tags WHERE tagpack = ?
        """,
        [BRIDGES_PACK],
    ).fetchall()
    return {r[0]: r[1:] for r in found}


def test_builtin_bridges_import_as_defi_bridge_with_source_and_destination(con):
    found = bridge_rows(con)

    assert len(found) == sum(len(contracts) for *_, contracts in BRIDGES) >= 15
    for address, (category, actor, source, confidence, chain, chain_id) in found.items():
        assert category == "defi_bridge", address
        assert actor and source.startswith("https://github.com/"), address
        assert confidence == 50  # service_data: the project publishes its own contracts
        assert chain and chain_id > 0, address


@pytest.mark.parametrize(
    ("address", "chain", "chain_id"),
    [
        ("0x99c9fc46f92e8a1c0dec1b1747d010903e884be1", "optimism", 10),  # L1StandardBridge
        ("0x3154cf16ccdb4c6d922629664174b904d80f2c35", "base", 8453),  # L1StandardBridge
        ("0x72ce9c846789fdb6fc1f34ac4ad25dd9ef7031ef", "arbitrum", 42161),  # L1GatewayRouter
        ("0xa3a7b6f88361f48403514059f1f16c8e78d60eec", "arbitrum", 42161),  # L1ERC20Gateway
        ("0x4dbd4fc535ac27206064b68ffcf827b0a60bab3f", "arbitrum", 42161),  # delayed Inbox
        ("0x40ec5b33f54e0e8a33a975908c5ba1c14e5bbbdf", "polygon", 137),  # ERC20PredicateProxy
        ("0x8484ef722627bf18ca5ae6bcf031c23e6e922b30", "polygon", 137),  # EtherPredicateProxy
        ("0x32400084c286cf3e17e7b677ea9583e60a000324", "zksync_era", 324),  # diamond proxy
    ],
)
def test_builtin_bridge_has_its_destination_chain(con, address, chain, chain_id):
    assert bridge_rows(con)[address][4:] == (chain, chain_id)


def test_weth_is_not_a_bridge(con):
    import_tag_files(con, builtin_tag_files())

    weth = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
    assert con.execute("SELECT count(*) FROM tags WHERE address = ?", [weth]).fetchone()[0] == 0


def test_the_bridge_builder_refuses_an_address_whose_checksum_fails(monkeypatch):
    import tracers.tags.build_builtin as builder

    destination, chain_id, name, actor, source, contracts = BRIDGES[0]
    written, contract, role = contracts[0]
    at = next(i for i, c in enumerate(written) if i > 1 and c.isalpha())
    typo = written[:at] + written[at].swapcase() + written[at + 1 :]  # one letter's case changed
    for bad, message in ((typo, "EIP-55 checksum"), (written.lower(), "checksummed form")):
        bridge = (destination, chain_id, name, actor, source, ((bad, contract, role),))
        monkeypatch.setattr(builder, "BRIDGES", (bridge,))
        with pytest.raises(ValueError, match=message):
            bridges()


# --- stores from before tag files were keyed by content -----------------------------------------


def test_a_store_from_before_content_keys_keeps_its_tags_and_their_sha256(tmp_path):
    from tracers.store.connection import migrations

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                "name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    for version, script in migrations():
        if version < 6:  # the schema as it was before 006_tag_files
            old.execute(script.read_text())
            old.execute("INSERT INTO schema_migrations VALUES (?, ?, now())",
                        [version, script.stem])
    old.execute("INSERT INTO tags (tagpack, tag_index, chain, address, label) VALUES "
                "('a.yaml', 0, 'ethereum', '0x1', 'x'), ('a.yaml', 1, 'ethereum', '0x2', 'y'), "
                "('by-hand.csv', 0, 'tron', 'T1', 'z')")
    old.execute("INSERT INTO imports VALUES ('tags:a.yaml', 'tags', ?, now())",
                [json.dumps({"sha256": "ab" * 32, "count": 2})])
    old.close()

    con = connect(path)

    assert con.execute("SELECT tagpack, tag_index, sha256 FROM tags ORDER BY ALL").fetchall() == [
        ("a.yaml", 0, "ab" * 32), ("a.yaml", 1, "ab" * 32), ("by-hand.csv", 0, "")
    ]
    assert import_ids(con) == [f"tags:a.yaml@{'ab' * 32}"]
