"""The explorer source (Etherscan v2 / Blockscout) and the HTTP layer under it: pure mappers on
replies in the real format, paging at the 1,000-record window, fault-injected runs that equal
fault-free ones and the world's own rows, keys that never leak, and pacing on a fake clock."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import traceback
from datetime import UTC, datetime
from itertools import pairwise

import pytest
import requests

from conftest import MiniChain, write_csv
from fakes.explorer_server import ExplorerServer
from fakes.world import FakeClock, Faults, World
from tracers.domain import FailedTx, Transfer
from tracers.errors import AddressError, SourceError, TransientSourceError
from tracers.simulate import SimulationConfig, simulate
from tracers.sources.explorer import (
    ExplorerSource,
    _check_envelope,
    map_internal,
    map_tokentx,
    map_txlist,
    trace_position,
    unindexed_position,
)
from tracers.sources.http import HttpClient, RateLimiter, mask, retry_after_seconds
from tracers.sources.retry import RetryPolicy
from tracers.store.write import write_fetch

KEY = "SEKRET-KEY-123"
HUGE = 2**255 + 7
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
EXPLORER_FAULTS = ("429", "500", "timeout", "truncated", "ratelimit")


def source(server, *, key=KEY, path="/v2/api", clock=None, **options) -> ExplorerSource:
    """A source on a fake clock (pacing and backoff cost no real time) with a short timeout."""
    clock = clock or FakeClock()
    options.setdefault("timeout", 0.3)
    return ExplorerSource(server.url + path, key, session=requests.Session(), clock=clock,
                          sleep=clock.sleep, rng=random.Random(5), **options)


# -- mappers on recorded-format replies --------------------------------------------------------

TXLIST = json.loads("""{"status":"1","message":"OK","result":[
 {"blockNumber":"21000012","timeStamp":"1767571344","hash":"0x52455730A105CC1DFEF8EB88AF3CC70133E0D1211A9B1BEA1664113DAF3BDE4B",
  "nonce":"0","blockHash":"0x39ab52c79f820325179e7e55f90847034eba96b24728fd19012c8bdd8169ee03","transactionIndex":"7",
  "from":"0x5e0f6d6d55c048d89a43ec8921b9fb8f711f13e8","to":"0x3566C42A4179509C9A948F8DBA532C5A83F53037",
  "value":"4822255000000000000","gas":"21000","gasPrice":"10880118572","isError":"0","txreceipt_status":"1",
  "input":"0x","contractAddress":"","cumulativeGasUsed":"21000","gasUsed":"21000","confirmations":"201569",
  "methodId":"0x","functionName":""},
 {"blockNumber":"21000013","timeStamp":"1767571356","hash":"0x3a749aaeb2eb591f99eb95e1259e8e1406c191bfa0e5f85aeb147531ba19a50a",
  "nonce":"1","blockHash":"0x00","transactionIndex":"0","from":"0x026afbba7b41593380050620d66cbb7d04bcee60",
  "to":"0x97b945834398b15d4a0c858deedf6fde51f24c46","value":"198002000000000000","gas":"21000","gasPrice":"1",
  "isError":"1","txreceipt_status":"0","input":"0x","contractAddress":"","cumulativeGasUsed":"21000",
  "gasUsed":"21000","confirmations":"5","methodId":"0x","functionName":""},
 {"blockNumber":"21000014","timeStamp":"1767571368","hash":"0x1111111111111111111111111111111111111111111111111111111111111111",
  "nonce":"2","blockHash":"0x00","transactionIndex":"3","from":"0x026afbba7b41593380050620d66cbb7d04bcee60",
  "to":"0xdac17f958d2ee523a2206206994597c13d831ec7","value":"0","gas":"60000","gasPrice":"1","isError":"0",
  "txreceipt_status":"1","input":"0xa9059cbb","contractAddress":"","cumulativeGasUsed":"1","gasUsed":"1",
  "confirmations":"4","methodId":"0xa9059cbb","functionName":"transfer(address _to, uint256 _value)"},
 {"blockNumber":"21000015","timeStamp":"1767571380","hash":"0x2222222222222222222222222222222222222222222222222222222222222222",
  "nonce":"3","blockHash":"0x00","transactionIndex":"1","from":"0x026afbba7b41593380050620d66cbb7d04bcee60",
  "to":"","value":"5","gas":"900000","gasPrice":"1","isError":"0","txreceipt_status":"1","input":"0x6080",
  "contractAddress":"0x9f8dc86b1f537dca15ee9b149c8a949a59457fc1","cumulativeGasUsed":"1","gasUsed":"1",
  "confirmations":"3","methodId":"0x60806040","functionName":""}]}""")

TOKENTX = json.loads("""{"status":"1","message":"OK","result":[
 {"blockNumber":"21000023","timeStamp":"1767571476","hash":"0x3372bac8d32f4596ba7780c71141e017cbfeb7a65a4cb98e303e60bd5df82ec5",
  "nonce":"4","blockHash":"0x00","from":"0xbb0f48943b133e68e845cbc5a8dd63578f489b26",
  "contractAddress":"0xDAC17F958D2EE523A2206206994597C13D831EC7","to":"0x8500a7dc433d403a5771abfe081debbe103d7ef7",
  "value":"11174640000","tokenName":"Tether USD","tokenSymbol":"USDT","tokenDecimal":"6","transactionIndex":"12",
  "gas":"60000","gasPrice":"1","gasUsed":"50000","cumulativeGasUsed":"900000","input":"deprecated",
  "methodId":"0xa9059cbb","functionName":"transfer(address _to, uint256 _value)","confirmations":"9","logIndex":"41"},
 {"blockNumber":"21000024","timeStamp":"1767571488","hash":"0x4444444444444444444444444444444444444444444444444444444444444444",
  "nonce":"5","blockHash":"0x00","from":"0x6859dcdec4123158ebdde482be185a0f48cd4911",
  "contractAddress":"0x6859dcdec4123158ebdde482be185a0f48cd4911","to":"0x8500a7dc433d403a5771abfe081debbe103d7ef7",
  "value":"57896044618658097711785492504343953926634992332820282019728792003956564819975",
  "tokenName":"Claim Reward Token","tokenSymbol":"REWARD","tokenDecimal":"18","transactionIndex":"0",
  "gas":"60000","gasPrice":"1","gasUsed":"50000","cumulativeGasUsed":"50000","input":"deprecated",
  "methodId":"0x","functionName":"","confirmations":"8","logIndex":"0"}]}""")

INTERNAL = json.loads("""{"status":"1","message":"OK","result":[
 {"blockNumber":"21000030","timeStamp":"1767571560","hash":"0x5555555555555555555555555555555555555555555555555555555555555555",
  "from":"0x9f8dc86b1f537dca15ee9b149c8a949a59457fc1","to":"0x8500a7dc433d403a5771abfe081debbe103d7ef7",
  "value":"1000000000000000000","contractAddress":"","input":"","type":"call","gas":"2300","gasUsed":"0",
  "traceId":"0_1_1","isError":"0","errCode":""},
 {"blockNumber":"21000030","timeStamp":"1767571560","hash":"0x5555555555555555555555555555555555555555555555555555555555555555",
  "from":"0x9f8dc86b1f537dca15ee9b149c8a949a59457fc1","to":"0x8500a7dc433d403a5771abfe081debbe103d7ef7",
  "value":"7","contractAddress":"","input":"","type":"call","gas":"2300","gasUsed":"0",
  "traceId":"0_2","isError":"1","errCode":"out of gas"}]}""")


def test_txlist_maps_native_value_failures_and_contract_creations():
    native, failed, zero, created = (map_txlist("ethereum", i) for i in TXLIST["result"])
    assert native == Transfer(
        "ethereum", "native", "native",
        "0x52455730a105cc1dfef8eb88af3cc70133e0d1211a9b1bea1664113daf3bde4b", 0, 21000012, 7,
        datetime(2026, 1, 5, 0, 2, 24, tzinfo=UTC), "0x5e0f6d6d55c048d89a43ec8921b9fb8f711f13e8",
        "0x3566c42a4179509c9a948f8dba532c5a83f53037", 4822255000000000000)
    assert failed == FailedTx("ethereum", "0x3a749aaeb2eb591f99eb95e1259e8e1406c191bfa0e5f85aeb147531ba19a50a",
                              21000013, "0x026afbba7b41593380050620d66cbb7d04bcee60",
                              "0x97b945834398b15d4a0c858deedf6fde51f24c46")
    assert zero is None  # a token transfer's own transaction carries no ether
    assert created.to_address == "0x9f8dc86b1f537dca15ee9b149c8a949a59457fc1" and created.amount == 5


def test_tokentx_maps_exact_values_above_2_255_and_token_info():
    (usdt, usdt_info), (spam, spam_info) = (map_tokentx("ethereum", i) for i in TOKENTX["result"])
    assert (usdt.asset, usdt.kind, usdt.position, usdt.tx_index, usdt.amount) == (USDT, "token", 41, 12, 11174640000)
    assert (usdt_info.symbol, usdt_info.decimals, usdt_info.name) == ("USDT", 6, "Tether USD")
    assert spam.amount == HUGE and spam.amount > 2**255
    assert spam_info.decimals == 18 and spam.block_time == datetime.fromtimestamp(1767571488, UTC)


def test_tokentx_without_log_index_gets_a_stable_position_from_the_transfer():
    item = {k: v for k, v in TOKENTX["result"][0].items() if k != "logIndex"}
    transfer, _ = map_tokentx("ethereum", item)
    assert transfer.position == unindexed_position(USDT, transfer.from_address, transfer.to_address,
                                                   transfer.amount, 0)
    assert 0 <= transfer.position < 2**31


def test_internal_transfers_take_their_position_from_the_trace_id_and_skip_failed_calls():
    ok, failed = (map_internal("ethereum", i) for i in INTERNAL["result"])
    assert (ok.kind, ok.asset, ok.position, ok.tx_index) == ("internal", "native", 1_002_002, None)
    assert failed is None
    blockscout = {**INTERNAL["result"][0], "transactionHash": INTERNAL["result"][0]["hash"], "index": "3"}
    del blockscout["hash"], blockscout["traceId"]
    assert map_internal("ethereum", blockscout).position == 3


def test_trace_positions_keep_call_order_and_fit_the_store():
    paths = [[0], [0, 0], [0, 1], [0, 1, 1], [1], [2, 0, 998]]
    positions = [trace_position(p) for p in paths]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    deep = trace_position([0, 1, 2, 3])
    assert deep == trace_position([0, 1, 2, 3]) and 1_000_000_000 <= deep < 2**31


@pytest.mark.parametrize("reply, error, words", [
    ({"status": "0", "message": "NOTOK", "result": "Invalid API Key"}, SourceError, "TRACERS_ETHERSCAN_KEY"),
    ({"status": "0", "message": "NOTOK", "result": "Max rate limit reached"}, TransientSourceError, "throttling"),
    ({"status": "0", "message": "NOTOK", "result": "Error! Invalid address format"}, SourceError, "address"),
    ({"status": "0", "message": "NOTOK",
      "result": "Free API access is not supported for this chain. Please upgrade your api plan for full chain "
                "coverage. https://etherscan.io/apis"}, SourceError, "paid"),
    ({"status": "0", "message": "NOTOK", "result": "Something new"}, SourceError, "Something new"),
    ("<html>", SourceError, "envelope"),
])
def test_error_envelopes_raise_a_sentence_with_the_fix(reply, error, words):
    with pytest.raises(error, match=words):
        _check_envelope("txlist", mask)(reply)


def test_no_transactions_found_is_an_empty_list():
    _check_envelope("txlist", mask)({"status": "0", "message": "No transactions found", "result": []})


# -- paging at the 1,000-record window ---------------------------------------------------------

HOT = "0x" + "ab" * 20
TOKEN = "0x" + "cd" * 20


class _Chain(MiniChain):
    """MiniChain with tx hashes that never repeat (its own pad with "a", so 0xa and 0xaa collide)."""

    def _hash(self) -> str:
        self._n += 1
        return "0x" + f"{self._n:064x}"


@pytest.fixture(scope="module")
def paged_world(tmp_path_factory) -> World:
    """HOT receives 2,600 token transfers 1-9 per block, then 1,150 in one block, ether (some
    failed), internal transfers, and one transfer of 2**255+7."""
    rng = random.Random(3)
    mini = _Chain(tmp_path_factory.mktemp("paged") / "world", first_block=1_000)
    senders = ["0x" + f"{i:040x}" for i in range(1, 60)]
    sent = 0
    while sent < 2600:
        for _ in range(rng.randint(1, 9)):
            mini.pay_token(TOKEN, rng.choice(senders), HOT, rng.randint(1, 10**9))
            sent += 1
        if rng.random() < 0.1:
            mini.pay_ether(rng.choice(senders), HOT, rng.randint(1, 10**18), status=0 if rng.random() < 0.2 else 1)
        mini.new_block()
    for _ in range(1150):
        mini.pay_token(TOKEN, rng.choice(senders), HOT, rng.randint(1, 10**6))
    mini.new_block()
    huge_tx, _ = mini.pay_token(TOKEN, senders[0], HOT, HUGE)
    traces = []
    for i in range(40):
        mini.new_block()
        tx = mini.pay_ether(senders[1], senders[2], 0)
        traces.append({"transaction_hash": tx, "block_number": mini.block, "trace_address": "0" if i % 2 else "0,1,2",
                       "from_address": senders[2], "to_address": HOT, "value": 10**15 + i, "status": 1})
    mini.write()
    write_csv(mini.folder / "tokens.csv", ["address", "symbol", "name", "decimals"],
              [{"address": TOKEN, "symbol": "TKN", "name": "Token", "decimals": 18}])
    write_csv(mini.folder / "traces.csv", ["transaction_hash", "block_number", "trace_address", "from_address",
                                          "to_address", "value", "status"], traces)
    return World.load(mini.folder)


def test_paging_reads_every_record_once_across_boundaries_and_a_full_block(paged_world, con):
    world = paged_world
    assert len(world.transfers_of(HOT)) > 2500
    with ExplorerServer(world, api_key=KEY) as server:
        result = source(server).fetch("ethereum", HOT, 0, world.head)
        tokentx = [r for r in server.requests if r.params.get("action") == "tokentx"]
    assert set(result.transfers) == world.expected_transfers(HOT)
    assert len(result.transfers) == len(world.expected_transfers(HOT))  # no duplicates
    assert {f.tx_hash for f in result.failed} == world.expected_failed(HOT) != set()
    assert any(t.amount == HUGE for t in result.transfers)
    assert any(t.kind == "internal" for t in result.transfers)
    starts = [int(r.params["startblock"]) for r in tokentx if r.params["page"] == "1"]
    assert len(starts) >= 4 and starts == sorted(starts)  # startblock moves to the last block seen
    assert any(r.params["page"] == "2" for r in tokentx)  # the block with 1,150 records, page by page
    assert result.requests == len(server.requests)
    assert result.tokens[0].symbol == "TKN"
    assert write_fetch(con, result) == len(result.transfers)  # the store takes it whole, exactly
    assert con.execute("SELECT count(*) FROM transfers WHERE CAST(amount AS VARCHAR) = ?",
                       [str(HUGE)]).fetchall() == [(1,)]


def test_a_range_inside_the_history_returns_that_range_only(paged_world):
    world = paged_world
    first, last = 1_100, 1_300
    with ExplorerServer(world) as server:
        result = source(server, key=None).fetch("ethereum", HOT, first, last)
    assert set(result.transfers) == world.expected_transfers(HOT, first, last) != set()


def test_blockscout_style_base_url_sends_no_chainid(paged_world):
    with ExplorerServer(paged_world) as server:
        blockscout = source(server, key=None, path="/api")
        result = blockscout.fetch("ethereum", HOT, 0, blockscout.head("ethereum"))
        assert all("chainid" not in r.params for r in server.requests)
        assert server.requests[0].params["module"] == "block"
    assert set(result.transfers) == paged_world.expected_transfers(HOT)


# -- a simulated world with injected faults ----------------------------------------------------


@pytest.fixture(scope="module")
def sim_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim") / "world"
    simulate(folder, SimulationConfig(seed=11, victims=20, users=200, transfers=30_000))
    truth = json.loads((folder / "truth.json").read_text())
    world = World.load(folder)
    service = {s["kind"]: s["address"] for s in truth["services"]}
    cluster = truth["clusters"][0]
    failed_sender = next(tx["from_address"] for tx in world.txs if tx["failed"])
    roles = {
        "collection": cluster["collections"][0],
        "consolidator": cluster["consolidators"][0],
        "deposit": truth["scam_deposits"][0]["deposit_address"],
        "otc_desk": service["otc_desk"],
        "merchant": service["merchant"],
        "failed_sender": failed_sender,
    }
    return world, roles


def test_twenty_percent_faults_change_nothing_and_match_the_worlds_rows(sim_world):
    world, roles = sim_world
    assert len(world.transfers_of(roles["merchant"])) > 2500
    with ExplorerServer(world, api_key=KEY) as clean_server:
        clean = {role: source(clean_server).fetch("ethereum", a, 0, world.head) for role, a in roles.items()}
    faults = Faults(share=0.2, seed=7, kinds=EXPLORER_FAULTS, stall=0.6)
    with ExplorerServer(world, api_key=KEY, faults=faults) as server:
        faulty_source = source(server, retry=RetryPolicy(max_attempts=8))
        faulty = {role: faulty_source.fetch("ethereum", a, 0, world.head) for role, a in roles.items()}
        for kind in EXPLORER_FAULTS:
            assert server.count(kind) > 0, kind
        assert sum(r.requests for r in faulty.values()) == len(server.requests)
    for role, address in roles.items():
        assert faulty[role].transfers == clean[role].transfers, role
        assert faulty[role].failed == clean[role].failed and faulty[role].tokens == clean[role].tokens
        assert set(clean[role].transfers) == world.expected_transfers(address), role
        assert {f.tx_hash for f in clean[role].failed} == world.expected_failed(address), role
    assert sum(r.requests for r in faulty.values()) > sum(r.requests for r in clean.values())
    assert clean["failed_sender"].failed


def test_head_is_the_newest_block(sim_world):
    world, _ = sim_world
    with ExplorerServer(world, api_key=KEY, faults=Faults(share=0.5, seed=2, kinds=("429", "500"))) as server:
        assert source(server).head("ethereum") == world.head


# -- keys never leak ---------------------------------------------------------------------------


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(exc.__context__)


def test_the_key_never_appears_in_errors_or_logs(paged_world, caplog):
    caplog.set_level(logging.DEBUG)
    texts = []
    with ExplorerServer(paged_world, api_key="another-key") as server:  # our key is refused
        with pytest.raises(SourceError) as refused:
            source(server).fetch("ethereum", HOT, 0, 10**6)
        texts.append(_all_text(refused.value))
        assert "TRACERS_ETHERSCAN_KEY" in str(refused.value)
    with ExplorerServer(paged_world, faults=Faults(share=1.0, kinds=("500", "429", "truncated"))) as server:
        with pytest.raises(TransientSourceError) as gave_up:
            source(server, retry=RetryPolicy(max_attempts=3)).fetch("ethereum", HOT, 0, 10**6)
        texts.append(_all_text(gave_up.value))
        assert gave_up.value.retry_after is not None
    with ExplorerServer(paged_world) as server:
        with pytest.raises(SourceError) as not_found:
            ExplorerSource(server.url + "/nothing/api", KEY, session=requests.Session()).head("ethereum")
        texts.append(_all_text(not_found.value))
        url = server.url
    with pytest.raises(TransientSourceError) as refused_connection:  # the server is gone
        ExplorerSource(url + "/v2/api", KEY, session=requests.Session(), retry=RetryPolicy(max_attempts=2),
                       sleep=lambda s: None).head("ethereum")
    texts.append(_all_text(refused_connection.value))
    request_lines = [r.getMessage() for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert any("apikey=***" in line for line in request_lines)  # urllib3 logged them, masked
    for text in texts + [caplog.text]:
        assert KEY not in text


# -- pacing, retries, counting -----------------------------------------------------------------


class _Reply:
    def __init__(self, status=200, body=b'{"status":"1","message":"OK","result":[]}', headers=None):
        self.status_code, self.content, self.headers = status, body, headers or {}


class _Session:
    """A stand-in session: answers from a script and notes the (fake) time of each request."""

    def __init__(self, clock, replies=()):
        self.clock, self.replies, self.times = clock, list(replies), []

    def get(self, url, params=None, headers=None, timeout=None):
        self.times.append(self.clock())
        reply = self.replies.pop(0) if self.replies else _Reply()
        if isinstance(reply, Exception):
            raise reply
        return reply


def test_three_requests_a_second_are_spaced_a_third_of_a_second_apart():
    clock = FakeClock()
    session = _Session(clock)
    client = HttpClient(session, rate=3.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        client.get_json("http://x/api")
    gaps = [b - a for a, b in pairwise(session.times)]
    assert all(gap >= 1 / 3 - 1e-9 for gap in gaps) and max(gaps) < 1 / 3 + 1e-9
    assert client.requests == 10


def test_the_limiter_is_thread_safe_and_queues_callers_in_slots():
    frozen = FakeClock()  # never advances: every caller arrives at the same instant
    limiter = RateLimiter(3.0, clock=frozen, sleep=lambda s: None)
    waits, lock = [], threading.Lock()

    def take():
        wait = limiter.acquire()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([k / 3 for k in range(12)])


def test_a_burst_allows_that_many_at_once_then_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(3.0, burst=3, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(5)] == pytest.approx([0, 0, 0, 1 / 3, 1 / 3])


def test_real_time_pacing_against_the_server_is_at_least_the_rate(paged_world):
    with ExplorerServer(paged_world) as server:
        client = HttpClient(requests.Session(), rate=3.0, timeout=2)
        started = time.monotonic()
        for _ in range(4):
            client.get_json(server.url + "/v2/api", {"chainid": 1, "module": "proxy", "action": "eth_blockNumber"})
        assert time.monotonic() - started >= 1.0 - 1e-3  # three gaps of a third of a second, at least


def test_429_waits_as_long_as_retry_after_says():
    clock = FakeClock()
    session = _Session(clock, [_Reply(429, b"{}", {"Retry-After": "7"}), _Reply()])
    client = HttpClient(session, rate=1000.0, clock=clock, sleep=clock.sleep)
    client.get_json("http://x/api")
    assert 7 <= max(clock.slept) <= 7.7 and client.requests == 2


def test_backoff_grows_with_jitter_and_gives_up_after_the_attempts():
    clock = FakeClock()
    session = _Session(clock, [_Reply(503, b"busy")] * 6)
    client = HttpClient(session, rate=1000.0, retry=RetryPolicy(max_attempts=6, backoff=1.0),
                        rng=random.Random(1), clock=clock, sleep=clock.sleep)
    with pytest.raises(TransientSourceError, match="gave up after 6 attempts") as gave_up:
        client.get_json("http://x/api?apikey=" + KEY)
    backoffs = [s for s in clock.slept if s >= 0.01]
    assert len(backoffs) == 5 and all(s <= 2 ** i for i, s in enumerate(backoffs))
    assert KEY not in str(gave_up.value) and client.requests == 6


def test_other_4xx_are_not_retried_and_truncated_json_is():
    clock = FakeClock()
    session = _Session(clock, [_Reply(404, b"not here")])
    client = HttpClient(session, rate=1000.0, clock=clock, sleep=clock.sleep)
    with pytest.raises(SourceError, match="HTTP 404") as refused:
        client.get_json("http://x/api")
    assert not isinstance(refused.value, TransientSourceError) and client.requests == 1
    session.replies = [_Reply(200, b'{"status":"1","res'), requests.ConnectionError("reset"),
                       requests.Timeout("slow"), _Reply()]
    assert client.get_json("http://x/api") == {"status": "1", "message": "OK", "result": []}
    assert client.requests == 5


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("0.05") == 0.05
    assert retry_after_seconds("Sun, 01 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_bad_inputs_fail_fast_with_the_fix():
    with pytest.raises(SourceError, match="/v2/api"):
        ExplorerSource("https://api.etherscan.io", session=requests.Session())
    with pytest.raises(SourceError, match="tron source"):
        ExplorerSource("https://x/v2/api", chain="tron", session=requests.Session())
    explorer = ExplorerSource("https://x/v2/api", session=requests.Session())
    with pytest.raises(AddressError, match="EIP-55"):
        explorer.fetch("ethereum", "0xAbCdEf0000000000000000000000000000000000", 0, 1)
    with pytest.raises(SourceError, match="one ExplorerSource per chain"):
        explorer.fetch("bsc", HOT, 0, 1)
    with pytest.raises(AddressError, match="block range"):
        explorer.fetch("ethereum", HOT, 5, 1)
