"""A real local Ethereum node for tests (anvil, from npm), and a world replayed onto it.

    with Anvil.start(timestamp=genesis) as node:      # 127.0.0.1, a free port, ~0.2 s
        replay = replay_world(node.w3, world_dir)     # the world's transactions, mined for real
        RpcSource(node.w3, "ethereum", chain_id=None).fetch(...)

The binary is $TRACERS_ANVIL (the Makefile installs it and sets it), else
.tools/node_modules/.bin/anvil; `AnvilMissing` says how to get it when neither is there.

Replaying an ethereum-etl world (blocks.csv, transactions.csv, receipts.csv, token_transfers.csv):

- Block numbers cannot be kept (anvil starts at 0), so the world's blocks are grouped into one
  anvil block per hour of world time, keeping their order inside; a 28-day world is ~700 mined
  blocks. The anvil block is stamped with its first world block's time (or one second after the
  previous anvil block, whichever is later).
- Token transfers: every token contract gets the code below (`anvil_setCode`), which logs
  `Transfer(from, to, value)` for each 96-byte (from, to, value) triple of its calldata, so any
  transfer (zero-value, spoofed sender, a value above 2**255) replays without keys: a world
  transaction becomes a call from its sender to the token with its transfers as calldata.
- Ether: a value transfer from the (impersonated) sender; senders get a large balance first.
- Failed transactions: sent alone in their own anvil block, with code that reverts placed at the
  recipient for that block only (and the recipient's own code put back after), so the node
  records status 0 and the ether does not move.
- Gas price 0, explicit nonces, JSON-RPC batches: per anvil block one batch of timestamp, code
  changes and transactions, then `evm_mine` alone (a call batched after `evm_mine` can run before
  the mining finishes: anvil answers a batch's calls concurrently).
- Afterwards every receipt is read back (in batches) and checked: block, status and log count as
  planned; the mapping world -> anvil is returned (`Replay`).

Emitter bytecode (hand-assembled; calldata = n x [from word][to word][value word]):

    00 6000        PUSH1 0            i = 0                          [i]
    02 5b          JUMPDEST           loop:
    03 36          CALLDATASIZE                                      [i, size]
    04 81          DUP2                                              [i, size, i]
    05 10          LT                 i < size                       [i, i<size]
    06 600a        PUSH1 0x0a
    08 57          JUMPI              to body when i < size          [i]
    09 00          STOP
    0a 5b          JUMPDEST           body:
    0b 80 6040 01  DUP1 PUSH1 0x40 ADD
    0f 35          CALLDATALOAD       value word                     [i, value]
    10 6000 52     PUSH1 0 MSTORE     memory[0:32] = value           [i]
    13 80 6020 01  DUP1 PUSH1 0x20 ADD
    17 35          CALLDATALOAD       to word                        [i, to]
    18 81 35       DUP2 CALLDATALOAD  from word                      [i, to, from]
    1a 7f <32 B>   PUSH32 Transfer topic                             [i, to, from, topic]
    3b 6020 6000   PUSH1 32 PUSH1 0   size, offset
    3f a3          LOG3               log(mem[0:32], topic, from, to) [i]
    40 6060 01     PUSH1 0x60 ADD     i += 96
    43 6002 56     PUSH1 0x02 JUMP    loop
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from web3 import HTTPProvider, Web3

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = ROOT / ".tools" / "node_modules" / ".bin" / "anvil"
CHAIN_ID = 31337
TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
EMITTER = ("0x6000" "5b" "368110" "600a57" "00" "5b" "8060400135" "600052" "8060200135" "8135"
           "7f" + TRANSFER_TOPIC + "60206000a3" "606001" "600256")
REVERTER = "0x60006000fd"  # PUSH1 0 PUSH1 0 REVERT
RICH = hex(2**200)


class AnvilMissing(RuntimeError):
    """No anvil binary where the tests look for it."""


class ReplayError(RuntimeError):
    """The node did not record the world as planned."""


def anvil_binary() -> Path:
    """$TRACERS_ANVIL, else the Makefile's install location; an error saying how to get it."""
    configured = os.environ.get("TRACERS_ANVIL")
    path = Path(configured) if configured else DEFAULT_BINARY
    if not (path.is_file() and os.access(path, os.X_OK)):
        where = f"TRACERS_ANVIL={configured}" if configured else f"{DEFAULT_BINARY} (TRACERS_ANVIL unset)"
        raise AnvilMissing(
            f"anvil not found at {where}: run the tests with `make test` (it installs anvil with npm "
            "into .tools/), or `npm install --prefix .tools @foundry-rs/anvil@1.7.1` and set "
            "TRACERS_ANVIL to the absolute path of .tools/node_modules/.bin/anvil"
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Anvil:
    """A running anvil; `stop()` (or leaving the `with` block) ends it."""

    process: subprocess.Popen
    port: int
    log_path: Path
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, timestamp: int, chain_id: int = CHAIN_ID, extra: tuple[str, ...] = (),
              wait: float = 20.0) -> Anvil:
        """anvil on a free 127.0.0.1 port, not mining on its own, answering JSON-RPC."""
        binary = anvil_binary()
        for _ in range(3):  # the free port can be taken between choosing and binding
            port = free_port()
            log_path = Path(tempfile.mkstemp(prefix=f"anvil-{port}-", suffix=".log")[1])
            args = [str(binary), "--host", "127.0.0.1", "--port", str(port), "--no-mining",
                    "--auto-impersonate", "--base-fee", "0", "--gas-price", "0",
                    "--timestamp", str(timestamp), "--chain-id", str(chain_id),
                    "--order", "fifo", "--gas-limit", "1000000000", *extra]
            with log_path.open("wb") as log:
                process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL)
            node = cls(process, port, log_path)
            if node._wait(wait):
                return node
            node.stop()
        raise RuntimeError(f"anvil did not start; its last output:\n{node.log_tail()}")

    @property
    def w3(self) -> Web3:
        return Web3(HTTPProvider(self.url, request_kwargs={"timeout": 60},
                                 exception_retry_configuration=None))

    def _wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                reply = requests.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                                                      "params": []}, timeout=1)
                if reply.ok and "result" in reply.json():
                    return True
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.02)
        return False

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- replaying a world -------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """What became of the world on anvil."""

    tx_hashes: dict[str, str]  # world tx hash -> anvil tx hash
    blocks: dict[int, int]  # world block -> anvil block
    log_indexes: dict[tuple[str, int], int]  # (world tx, world log index) -> anvil log index
    anvil_blocks: int  # the anvil head after the replay
    seconds: float
    requests: int  # HTTP requests the replay made

    def world_tx(self) -> dict[str, str]:
        """anvil tx hash -> world tx hash."""
        return {anvil: world for world, anvil in self.tx_hashes.items()}


@dataclass
class _Tx:
    hash: str
    block: int
    index: int
    sender: str
    to: str | None
    value: int
    failed: bool
    transfers: list[dict]  # token_transfers.csv rows, by log index


def replay_world(w3: Web3, world: Path, tokens: set[str] | None = None, batch_receipts: int = 500) -> Replay:
    """Mine the world's transactions on a fresh anvil (see the module docstring); the mapping back.

    `tokens`: the token contracts to emulate (default: every token in token_transfers.csv); a world
    transaction moving another token is an error, as is one moving two tokens at once.
    """
    started = time.monotonic()
    rpc = _Batcher(w3)
    world = Path(world)
    times = {int(r["number"]): int(r["timestamp"]) for r in _rows(world / "blocks.csv")}
    txs = _transactions(world)
    emulated = {t["token_address"].lower() for tx in txs for t in tx.transfers} if tokens is None \
        else {t.lower() for t in tokens}
    genesis = int(rpc.one("eth_getBlockByNumber", ["0x0", False])["timestamp"], 16)
    if rpc.one("eth_blockNumber", []) != "0x0":
        raise ReplayError("replay_world needs a fresh anvil (head is not block 0)")

    setup = [("anvil_setCode", [token, EMITTER]) for token in sorted(emulated)]
    setup += [("anvil_setBalance", [s, RICH]) for s in sorted({tx.sender for tx in txs if tx.value})]
    rpc.send(setup)

    nonces: dict[str, int] = defaultdict(int)
    planned: dict[str, tuple[int, _Tx]] = {}  # anvil tx -> (anvil block, world tx)
    world_blocks: dict[int, int] = {}
    restore: list[tuple[str, list]] = []
    last_time, anvil_block = genesis, 0
    for segment in _segments(txs, times, genesis):
        anvil_block += 1
        stamp = max(last_time + 1, times[segment[0].block])
        calls: list[tuple[str, list]] = restore + [("evm_setNextBlockTimestamp", [stamp])]
        restore = []
        if segment[0].failed:
            tx = segment[0]
            if tx.to is None:
                raise ReplayError(f"failed contract creation {tx.hash}: not replayable")
            calls.append(("anvil_setCode", [tx.to, REVERTER]))
            restore = [("anvil_setCode", [tx.to, EMITTER if tx.to in emulated else "0x"])]
        sends = [_send(tx, emulated, nonces) for tx in segment]
        hashes = rpc.send(calls + sends)[len(calls):]
        rpc.send([("evm_mine", [])])
        for tx, anvil_hash in zip(segment, hashes, strict=True):
            planned[anvil_hash] = (anvil_block, tx)
            world_blocks[tx.block] = anvil_block
        last_time = stamp
    if restore:
        rpc.send(restore)

    log_indexes = _check(rpc, planned, anvil_block, batch_receipts)
    return Replay({tx.hash: h for h, (_, tx) in planned.items()}, world_blocks, log_indexes,
                  anvil_block, time.monotonic() - started, rpc.requests)


def _transactions(world: Path) -> list[_Tx]:
    failed = {r["transaction_hash"] for r in _rows(world / "receipts.csv") if r.get("status") == "0"}
    transfers: dict[str, list[dict]] = defaultdict(list)
    for row in _rows(world / "token_transfers.csv"):
        transfers[row["transaction_hash"]].append(row)
    txs = []
    for row in _rows(world / "transactions.csv"):
        moved = sorted(transfers.get(row["hash"], []), key=lambda t: int(t["log_index"]))
        txs.append(_Tx(row["hash"], int(row["block_number"]), int(row["transaction_index"] or 0),
                       row["from_address"].lower(), (row["to_address"] or "").lower() or None,
                       int(row["value"] or 0), row["hash"] in failed, moved))
    return sorted(txs, key=lambda t: (t.block, t.index))


def _segments(txs: list[_Tx], times: dict[int, int], genesis: int) -> list[list[_Tx]]:
    """Transactions grouped one anvil block per hour of world time; a failed one alone."""
    segments: list[list[_Tx]] = []
    hour = None
    for tx in txs:
        this_hour = (times[tx.block] - genesis) // 3600
        if tx.failed or this_hour != hour or not segments or segments[-1][0].failed:
            segments.append([tx])
        else:
            segments[-1].append(tx)
        hour = this_hour
        if tx.failed:
            hour = None  # what follows a failed transaction starts a new block
    return segments


def _send(tx: _Tx, emulated: set[str], nonces: dict[str, int]) -> tuple[str, list]:
    call: dict[str, Any] = {"from": tx.sender, "gasPrice": "0x0", "value": hex(tx.value),
                            "nonce": hex(nonces[tx.sender])}
    nonces[tx.sender] += 1
    if tx.transfers and not tx.failed:
        token = {t["token_address"].lower() for t in tx.transfers}
        if len(token) != 1 or not token <= emulated:
            raise ReplayError(f"{tx.hash} moves {sorted(token)}: one emulated token per transaction")
        (address,) = token
        if tx.value and tx.to != address:
            raise ReplayError(f"{tx.hash} pays ether to {tx.to} and moves a token: not replayable")
        call["to"] = address
        call["data"] = "0x" + "".join(_word(t["from_address"]) + _word(t["to_address"])
                                      + f"{int(t['value']):064x}" for t in tx.transfers)
        call["gas"] = hex(40_000 + 12_000 * len(tx.transfers))
    else:
        if tx.to is None:
            raise ReplayError(f"{tx.hash} creates a contract: not replayable")
        call["to"] = tx.to
        call["gas"] = hex(21_000 if not tx.failed and tx.to not in emulated else 40_000)
    return ("eth_sendTransaction", [call])


def _check(rpc: _Batcher, planned: dict[str, tuple[int, _Tx]], head: int,
           chunk: int) -> dict[tuple[str, int], int]:
    """Every receipt as planned (block, status, logs); the world -> anvil log index mapping."""
    if int(rpc.one("eth_blockNumber", []), 16) != head:
        raise ReplayError(f"anvil is not at block {head} after the replay")
    hashes = list(planned)
    log_indexes: dict[tuple[str, int], int] = {}
    problems = []
    for start in range(0, len(hashes), chunk):
        part = hashes[start:start + chunk]
        receipts = rpc.send([("eth_getTransactionReceipt", [h]) for h in part])
        for anvil_hash, receipt in zip(part, receipts, strict=True):
            block, tx = planned[anvil_hash]
            status = int(receipt["status"], 16)
            logs = receipt["logs"]
            if int(receipt["blockNumber"], 16) != block or status != (0 if tx.failed else 1) \
                    or len(logs) != (0 if tx.failed else len(tx.transfers)):
                problems.append(f"{tx.hash}: block {receipt['blockNumber']} status {status} "
                                f"{len(logs)} log(s); planned block {block}, failed={tx.failed}")
                continue
            for row, log in zip(tx.transfers if not tx.failed else [], logs, strict=True):
                log_indexes[(tx.hash, int(row["log_index"]))] = int(log["logIndex"], 16)
    if problems:
        raise ReplayError(f"{len(problems)} transaction(s) not as planned, e.g. " + "; ".join(problems[:3]))
    return log_indexes


class _Batcher:
    """Raw JSON-RPC batches to anvil through the web3 provider; any error raises."""

    def __init__(self, w3: Web3):
        self.provider = w3.provider
        self.requests = 0

    def one(self, method: str, params: list) -> Any:
        return self.send([(method, params)])[0]

    def send(self, calls: list[tuple[str, list]]) -> list:
        if not calls:
            return []
        self.requests += 1
        replies = self.provider.make_batch_request(calls)
        if isinstance(replies, dict):
            raise ReplayError(f"anvil refused the batch: {replies.get('error')}")
        errors = [(calls[i], r["error"]) for i, r in enumerate(replies) if r.get("error")]
        if errors:
            (method, params), error = errors[0]
            raise ReplayError(f"{len(errors)} call(s) failed, e.g. {method} {params}: {error}")
        return [r["result"] for r in replies]


def _word(address: str) -> str:
    return address.lower().removeprefix("0x").rjust(64, "0")


def _rows(path: Path):
    if not path.is_file():
        return
    with path.open(newline="") as handle:
        yield from csv.DictReader(handle)
