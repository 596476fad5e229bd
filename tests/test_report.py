"""The case report: one self-contained HTML file, checked as written (parsed) and as a browser shows
it (headless Chromium: the DOM after its script ran, and a screenshot)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import traced_world

from tracers.exports import export_subpoena
from tracers.exports.report import ExplorerTemplateError, write_report
from tracers.store import connect
from tracers.trace import trace_case

CASE = "REPORT-1"
EVIL_TITLE = '<script>alert("title")</script> & "Co"'
EVIL_LABEL = '<img src=x onerror=alert(1)><script>alert("tag")</script>'
TRON = "https://tronscan.org/#/transaction/{tx}"
CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get update && apt-get install -y chromium"
SECTIONS = {"summary", "graph", "exchanges", "services", "at-rest", "timeline", "victims", "clusters",
            "findings", "not-followed", "review", "partners", "parameters"}


# ---------------------------------------------------------------- a small DOM from html.parser

VOID = {"meta", "br", "input", "img", "link", "hr", "wbr", "source", "area", "base", "col", "embed", "track"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent: Element | None):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, attrs, parent, [], []

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        """Elements by tag and attributes (`data_node_id=True`: has it; `class_="flow"`: has that class)."""
        return [e for e in self.walk() if (tag is None or e.tag == tag)
                and all(e.matches(k.rstrip("_").replace("_", "-"), v) for k, v in attrs.items())]

    def matches(self, name: str, value) -> bool:
        if value is True:
            return name in self.attrs
        if name == "class":
            return value in (self.attrs.get("class") or "").split()
        return self.attrs.get(name) == value

    def all_text(self) -> str:
        return "".join(self.text) + "".join(c.all_text() for c in self.children)


class Tree(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, None)
        self.at = self.root
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.at)
        self.at.children.append(element)
        if tag not in VOID:
            self.at = element

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Element(tag, dict(attrs), self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.at = node.parent

    def handle_data(self, data):
        self.at.text.append(data)


# ---------------------------------------------------------------- the store and the report

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A traced world whose case title and one service's tag label come from a hostile outside."""
    folder = tmp_path_factory.mktemp("report")
    traced_world(folder, CASE, seed=7, victims=24, users=200, transfers=8000)
    con = connect(folder / "full.duckdb")
    try:
        (service,) = con.execute("SELECT address FROM trace_addresses WHERE role = 'service' "
                                 "ORDER BY address LIMIT 1").fetchone()
        con.execute("INSERT INTO tags (tagpack, tag_index, chain, address, label, category, actor) "
                    "VALUES ('evil.csv', 0, 'ethereum', ?, ?, 'otc', 'evil')", [service, EVIL_LABEL])
        con.execute("UPDATE cases SET title = ? WHERE case_id = ?", [EVIL_TITLE, CASE])
        trace_case(con, CASE)  # a new run: the tagged service now carries the label
        assert con.execute("SELECT count(*) FROM trace_addresses WHERE run_id = ? AND label = ?",
                           [latest_run_id(con), EVIL_LABEL]).fetchone() == (1,)
    finally:
        con.close()
    return folder / "full.duckdb"


@pytest.fixture(scope="module")
def con(store):
    connection = connect(store)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def report(con, tmp_path_factory) -> Path:
    return write_report(con, CASE, tmp_path_factory.mktemp("out") / "report.html", explorer_url=TRON)


@pytest.fixture(scope="module")
def page(report) -> Tree:
    return Tree(report.read_text(encoding="utf-8"))


def latest_run_id(con) -> str:
    return con.execute("SELECT run_id FROM trace_runs WHERE case_id = ? AND status = 'done' "
                       "ORDER BY started_at DESC LIMIT 1", [CASE]).fetchone()[0]


def expected_graph(con, run_id: str) -> dict[str, tuple[int, int]]:
    """(nodes, edges) of each view, from trace_addresses/trace_flows/findings by the documented rule:
    expanded, one node per address that victim money moved through; collapsed, victims grouped by
    kind, each peel chain's hops (peel_chain findings joined by flows between them) one node, each
    cluster's collection addresses one node, each exchange's addresses one node; money within a node
    is no edge."""
    roles = {a: (role, subrole, cluster, exchange) for a, role, subrole, cluster, exchange in con.execute(
        "SELECT address, role, subrole, cluster_id, exchange FROM trace_addresses WHERE run_id = ?",
        [run_id]).fetchall()}
    flows = set(con.execute("SELECT from_address, to_address, asset FROM trace_flows WHERE run_id = ? "
                            "AND traced_amount > 0 AND from_address <> to_address", [run_id]).fetchall())
    hops = {a for (a,) in con.execute("SELECT DISTINCT address FROM findings WHERE run_id = ? "
                                      "AND kind = 'peel_chain' AND address IS NOT NULL", [run_id]).fetchall()}
    parent = {h: h for h in hops}

    def root(h):
        while parent[h] != h:
            h = parent[h]
        return h

    for a, b in con.execute("SELECT from_address, to_address FROM trace_flows WHERE run_id = ?", [run_id]).fetchall():
        if a in hops and b in hops and a != b:
            parent[root(a)] = root(b)

    def group(address):
        role, subrole, cluster, exchange = roles.get(address, ("unknown", None, None, None))
        if role == "victim":
            return ("victims", subrole)
        if address in hops:
            return ("peel", root(address))
        if role == "perpetrator" and subrole == "collection":
            return ("collection", cluster)
        if role in ("deposit_wallet", "exchange"):
            return ("exchange", exchange)
        return address

    nodes = {a for f, t, _ in flows for a in (f, t)}
    collapsed_edges = {(group(f), group(t), asset) for f, t, asset in flows if group(f) != group(t)}
    return {"expanded": (len(nodes), len(flows)),
            "collapsed": (len({group(a) for a in nodes}), len(collapsed_edges))}


def check_graphs(tree: Tree, expected: dict[str, tuple[int, int]]) -> None:
    svgs = {svg.attrs["data-view"]: svg for svg in tree.root.find_all("svg", class_="flow")}
    assert set(svgs) == {"collapsed", "expanded"}
    for view, (nodes, edges) in expected.items():
        svg = svgs[view]
        assert (int(svg.attrs["data-nodes"]), int(svg.attrs["data-edges"])) == (nodes, edges), view
        drawn = svg.find_all("g", data_node_id=True)
        assert len(drawn) == nodes and len({g.attrs["data-node-id"] for g in drawn}) == nodes
        lines = svg.find_all(data_edge_from=True)
        assert len(lines) == edges
        ids = {g.attrs["data-node-id"] for g in drawn}
        assert all(e.attrs["data-edge-from"] in ids and e.attrs["data-edge-to"] in ids for e in lines)
        assert all(g.attrs.get("data-role") for g in drawn)
        assert all(e.attrs["data-amount"] and e.attrs["data-amount"] != "0" for e in lines)


# ---------------------------------------------------------------- the file as written

def test_report_has_every_section_and_nothing_from_outside(page, report):
    sections = {s.attrs["id"] for s in page.root.find_all("section")}
    assert sections == SECTIONS
    scripts = page.root.find_all("script")
    assert len(scripts) == 1 and "src" not in scripts[0].attrs  # only the report's own, inline
    assert not page.root.find_all("link") and not page.root.find_all("img")
    assert not [e for e in page.root.walk() if "src" in e.attrs]
    policy = page.root.find_all("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    assert "default-src 'none'" in policy
    hrefs = [a.attrs["href"] for a in page.root.find_all("a")]
    assert all(h.startswith("#") or h.startswith("https://tronscan.org/#/transaction/") for h in hrefs)


def test_store_text_is_escaped(page, report):
    raw = report.read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "<img src=x" not in raw
    assert EVIL_TITLE in page.root.find_all("h1")[0].all_text()  # shown as text, as written
    assert EVIL_TITLE in page.root.find_all("title")[0].all_text()
    labelled = [g for g in page.root.find_all("g", data_role="service") if EVIL_LABEL in g.all_text()]
    assert labelled  # in the graph, as text


def test_graph_counts_match_the_store(page, con):
    check_graphs(page, expected_graph(con, latest_run_id(con)))


def test_exchange_totals_are_the_subpoenas(page, con, tmp_path):
    result = export_subpoena(con, CASE, tmp_path / "subpoena")
    manifest = json.loads((tmp_path / "subpoena" / "manifest.json").read_text())
    want = {f["exchange"]: (f["deposit_addresses"], f["rows"],
                            {(t["chain"], t["asset"], t["amount"]) for t in f["traced_total"]})
            for f in manifest["files"]}
    table = page.root.find_all("table", class_="exchanges")[0]
    got = {tr.attrs["data-exchange"]: (int(tr.attrs["data-deposit-addresses"]), int(tr.attrs["data-transfers"]),
                                       {(s.attrs["data-chain"], s.attrs["data-asset"], s.attrs["data-amount"])
                                        for s in tr.find_all("span", class_="amount")})
           for tr in table.find_all("tr", data_exchange=True)}
    assert got == want and result.reached_deposits


def test_every_finding_links_its_transactions(page, con):
    run_id = latest_run_id(con)
    findings = {fid: list(txs) for fid, txs in con.execute(
        "SELECT finding_id, tx_hashes FROM findings WHERE run_id = ?", [run_id]).fetchall()}
    rows = {tr.attrs["data-finding-id"]: tr for tr in page.root.find_all("tr", data_finding_id=True)}
    assert set(rows) == set(findings)
    for fid, txs in findings.items():
        links = [a.attrs["href"] for a in rows[fid].find_all("a", class_="tx")]
        assert links == [TRON.replace("{tx}", tx) for tx in txs], fid


def test_timeline_shows_victim_payments_and_deposits_by_day(page, con):
    run_id = latest_run_id(con)
    want = defaultdict(int)
    for (asset, day, n) in con.execute(
            "SELECT asset, CAST(timezone('UTC', block_time) AS DATE)::VARCHAR, count(*) FROM trace_flows "
            "WHERE run_id = ? AND hop = 1 AND traced_amount > 0 GROUP BY ALL", [run_id]).fetchall():
        want[(asset, day)] += n
    got = defaultdict(int)
    for svg in page.root.find_all("svg", class_="timeline"):
        for bar in svg.find_all("rect", data_series="victim_payments"):
            got[(svg.attrs["data-asset"], bar.attrs["data-day"])] += int(bar.attrs["data-transfers"])
    assert got == want
    assert page.root.find_all("rect", data_series="exchange_deposits")


def test_same_store_same_bytes(con, store, report, tmp_path):
    again = write_report(con, CASE, tmp_path / "again.html", explorer_url=TRON)
    assert again.read_bytes() == report.read_bytes()
    con.execute("CHECKPOINT")  # another process, another hash seed, a copy of the store: same bytes
    shutil.copy(store, tmp_path / "copy.duckdb")
    script = ("import sys; from tracers.store import connect; from tracers.exports.report import write_report; "
              "write_report(connect(sys.argv[1]), sys.argv[2], sys.argv[3], explorer_url=sys.argv[4])")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "copy.duckdb"), CASE, str(tmp_path / "other.html"),
                    TRON], check=True, env={**os.environ, "PYTHONHASHSEED": "4242"}, timeout=120)
    assert (tmp_path / "other.html").read_bytes() == report.read_bytes()


def test_explorer_template_needs_a_place_for_the_hash(con, tmp_path):
    with pytest.raises(ExplorerTemplateError, match=r"\{tx\}"):
        write_report(con, CASE, tmp_path / "r.html", explorer_url="https://etherscan.io/tx/")
    assert not (tmp_path / "r.html").exists()


# ---------------------------------------------------------------- as a browser shows it

def chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"headless Chromium is needed for the report tests and is missing: run `{INSTALL}`")
    return subprocess.run(
        [CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
         "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         f"--user-data-dir={user_data}", "--window-size=1400,1000", *args],
        capture_output=True, text=True, timeout=60, check=True,
    )


def png_pixels_vary(data: bytes) -> bool:
    """Whether a PNG's decoded scanlines hold more than one distinct byte value (not all one colour)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    idat, at = b"", 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(idat)
    width = struct.unpack(">I", data[16:20])[0]
    line = len(raw) // struct.unpack(">I", data[20:24])[0]
    body = b"".join(raw[i * line + 1:(i + 1) * line] for i in range(len(raw) // line))  # drop filter bytes
    return len(set(body[: width * 4 * 300])) > 8


def test_chromium_renders_the_graph(report, con, tmp_path):
    dom = Tree(chromium("--dump-dom", report.resolve().as_uri(), user_data=tmp_path / "profile-dom").stdout)
    check_graphs(dom, expected_graph(con, latest_run_id(con)))
    assert all(svg.attrs.get("data-ready") == "true" for svg in dom.root.find_all("svg", class_="flow"))
    assert not dom.root.find_all("script", src=True)

    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", report.resolve().as_uri(), user_data=tmp_path / "profile-shot")
    data = shot.read_bytes()
    assert len(data) > 20_000
    assert png_pixels_vary(data)
