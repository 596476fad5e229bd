"""Write a world as ethereum-etl CSV files (blocks, transactions, receipts, token transfers,
tokens, and traces when contracts moved ether internally) plus the public tags. Addresses are
lowercase 0x-hex; values exact base-unit integers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tracers.simulate.addresses import AddressBook
from tracers.simulate.assemble import Assembled
from tracers.simulate.cast import Cast, Token
from tracers.simulate.chain import BLOCK_SECONDS, SELECTORS, Asset, Leg, Method, Timeline
from tracers.simulate.encoding import hex_strings, uint64_hex

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

CHUNK_ROWS = 500_000
EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
TERMINAL_DIFFICULTY = "58750003716598352816469"
EXTRA_DATA = "0x" + b"tracers simulation".hex()
WORD_PAD = "0" * 24

Progress = Callable[[str, int, int], None]

_is_ether = pl.col("asset") == Asset.ETH
_is_log = ~_is_ether & (pl.col("leg") == Leg.DIRECT)
_is_value = _is_ether & (pl.col("leg") == Leg.DIRECT)
_to_word = pl.lit(WORD_PAD) + pl.col("token_to").str.slice(2)
_from_word = pl.lit(WORD_PAD) + pl.col("token_from").str.slice(2)
_hash_word = pl.col("hash").str.slice(2)


def _input() -> pl.Expr:
    """Calldata of a transaction from its first leg: token calls encode receiver and value; contract
    calls their selector and the amount in (a mixer note: a 32-byte commitment)."""
    method = pl.col("method")
    text: Then | ChainedThen = pl.when(method == Method.TRANSFER).then(
        pl.concat_str(pl.lit(SELECTORS[Method.TRANSFER]), _to_word, pl.col("value_word"))
    )
    text = text.when(method == Method.TRANSFER_FROM).then(
        pl.concat_str(pl.lit(SELECTORS[Method.TRANSFER_FROM]), _from_word, _to_word, pl.col("value_word"))
    )
    text = text.when(method == Method.MINT).then(
        pl.concat_str(pl.lit(SELECTORS[Method.MINT]), _to_word, pl.col("value_word"))
    )
    for call in (Method.SWAP, Method.UNWRAP, Method.BRIDGE_DEPOSIT):
        text = text.when(method == call).then(pl.concat_str(pl.lit(SELECTORS[call]), pl.col("value_word")))
    for call in (Method.MIXER_DEPOSIT, Method.MIXER_WITHDRAW):
        text = text.when(method == call).then(pl.concat_str(pl.lit(SELECTORS[call]), _hash_word))
    return text.when(method == Method.WRAP).then(pl.lit(SELECTORS[Method.WRAP])).otherwise(pl.lit("0x"))


TRANSACTIONS = [
    pl.col("hash"),
    pl.col("nonce"),
    pl.col("block_hash"),
    pl.col("block_number"),
    pl.col("tx_index").alias("transaction_index"),
    pl.col("tx_from").alias("from_address"),
    pl.col("tx_to").alias("to_address"),
    pl.col("tx_value").alias("value"),
    pl.col("gas"),
    pl.col("gas_price"),
    pl.col("tx_input").alias("input"),
    pl.col("block_timestamp"),
    (pl.col("base_fee") * 2 + pl.col("tip")).alias("max_fee_per_gas"),
    pl.col("tip").alias("max_priority_fee_per_gas"),
    pl.lit(2).alias("transaction_type"),
]
RECEIPTS = [
    pl.col("hash").alias("transaction_hash"),
    pl.col("tx_index").alias("transaction_index"),
    pl.col("block_hash"),
    pl.col("block_number"),
    pl.col("cumulative_gas_used"),
    pl.col("gas_used"),
    pl.lit(None, pl.String).alias("contract_address"),
    pl.lit(None, pl.String).alias("root"),
    pl.col("status"),
    pl.col("gas_price").alias("effective_gas_price"),
]
TOKEN_TRANSFERS = [
    pl.col("contract").alias("token_address"),
    pl.col("token_from").alias("from_address"),
    pl.col("token_to").alias("to_address"),
    pl.col("value_text").alias("value"),
    pl.col("hash").alias("transaction_hash"),
    pl.col("log_index"),
    pl.col("block_number"),
]
TRACES = [
    pl.col("block_number"),
    pl.col("hash").alias("transaction_hash"),
    pl.col("tx_index").alias("transaction_index"),
    pl.col("from_address"),
    pl.col("to_address"),
    pl.col("value"),
    pl.col("input"),
    pl.lit("0x").alias("output"),
    pl.lit("call").alias("trace_type"),
    pl.lit("call").alias("call_type"),
    pl.lit(None, pl.String).alias("reward_type"),
    pl.col("gas"),
    pl.col("gas_used"),
    pl.col("subtraces"),
    pl.col("trace_address"),
    pl.lit(None, pl.String).alias("error"),
    pl.lit(1).alias("status"),
    pl.concat_str(pl.lit("call_"), pl.col("hash"), pl.lit("_"), pl.col("trace_address")).alias("trace_id"),
]
INTERNAL_GAS = 2_300  # the stipend of a plain ether send from a contract


def write_chain(
    out_dir: Path,
    assembled: Assembled,
    book: AddressBook,
    cast: Cast,
    timeline: Timeline,
    progress: Progress,
    extra_tokens: tuple[Token, ...] = (),
) -> dict[str, int]:
    """transactions.csv, receipts.csv, token_transfers.csv, blocks.csv and, when a contract moved
    ether internally, traces.csv; returns row counts."""
    addresses = book.hex_column()
    contracts = np.zeros(len(Asset), dtype=np.int32)
    for token in (*cast.tokens, *extra_tokens):
        contracts[token.asset] = token.address
    frame = assembled.frame
    total = len(frame)
    counts = {"transactions": int(frame["head"].sum()), "token_transfers": 0, "traces": 0}
    names = ("transactions.csv", "receipts.csv", "token_transfers.csv")
    traced = bool((frame["leg"] == Leg.INTERNAL).any())
    with (
        (out_dir / names[0]).open("wb") as txs,
        (out_dir / names[1]).open("wb") as receipts,
        (out_dir / names[2]).open("wb") as transfers,
        (out_dir / "traces.csv").open("wb") if traced else _Nowhere() as traces,
    ):
        for start in range(0, max(total, 1), CHUNK_ROWS):
            part = _strings(frame.slice(start, CHUNK_ROWS), assembled.hashes, addresses, contracts, timeline)
            header = start == 0
            heads = part.filter(pl.col("head"))
            heads.select(TRANSACTIONS).write_csv(txs, include_header=header)
            heads.select(RECEIPTS).write_csv(receipts, include_header=header)
            tokens = part.filter(_is_log).select(TOKEN_TRANSFERS)
            tokens.write_csv(transfers, include_header=header)
            counts["token_transfers"] += len(tokens)
            if traced:
                calls = _trace_rows(part)
                calls.write_csv(traces, include_header=header)
                counts["traces"] += len(calls)
            progress("write", min(start + CHUNK_ROWS, total), total)
    counts["blocks"] = write_blocks(out_dir / "blocks.csv", assembled.transactions(), addresses, cast, timeline)
    return counts


class _Nowhere:
    """A context manager standing in for a file that is not written."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _trace_rows(part: pl.DataFrame) -> pl.DataFrame:
    """traces.csv rows of a chunk: each contract call with internal ether legs as its root call
    (trace address "") followed by one call per internal leg, in order."""
    roots = part.filter(pl.col("head"), pl.col("subtraces") > 0).with_columns(
        from_address=pl.col("tx_from"),
        to_address=pl.col("tx_to"),
        value=pl.col("tx_value"),
        input=pl.col("tx_input"),
        trace_address=pl.lit(""),
        order=pl.lit(-1, pl.Int32),
    )
    legs = part.filter(pl.col("leg") == Leg.INTERNAL).with_columns(
        from_address=pl.col("token_from"),
        to_address=pl.col("token_to"),
        value=pl.col("value_text"),
        input=pl.lit("0x"),
        trace_address=pl.col("trace").cast(pl.String),
        order=pl.col("trace"),
        gas=pl.lit(INTERNAL_GAS, pl.Int64),
        gas_used=pl.lit(0, pl.Int64),
        subtraces=pl.lit(0, pl.Int32),
    )
    columns = [*TRACES, pl.col("tx_number"), pl.col("order")]
    return pl.concat([roots.select(columns), legs.select(columns)]).sort("tx_number", "order").drop(
        "tx_number", "order"
    )


def _strings(
    part: pl.DataFrame, hashes: np.ndarray, addresses: pl.Series, contracts: np.ndarray, timeline: Timeline
) -> pl.DataFrame:
    """The hex and text columns of one chunk (`hashes`: every transaction's, by tx_number)."""
    block = part["block"].to_numpy()
    call_to = part["call_to"].fill_null(0).to_numpy()
    part = part.with_columns(
        hash=hex_strings(hashes[part["tx_number"].to_numpy()]),
        block_hash=hex_strings(timeline.hashes[block + 1]),
        block_number=pl.col("block") + timeline.first_block,
        block_timestamp=pl.col("block") * BLOCK_SECONDS + timeline.genesis,
        base_fee=pl.Series(timeline.base_fee[block]),
        tx_from=addresses.gather(part["sender"]),
        token_from=addresses.gather(part["src"]),
        token_to=addresses.gather(part["dst"]),
        contract=addresses.gather(contracts[part["asset"].to_numpy()]),
        value_text=pl.coalesce(pl.col("big_value"), pl.col("value").cast(pl.String)),
        value_word=_value_words(part),
        called=addresses.gather(call_to),
    )
    return part.with_columns(
        tx_to=pl.when(pl.col("call_to").is_not_null())
        .then(pl.col("called"))
        .when(_is_ether)
        .then(pl.col("token_to"))
        .otherwise(pl.col("contract")),
        tx_value=pl.when(_is_value).then(pl.col("value_text")).otherwise(pl.lit("0")),
        tx_input=_input(),
    )


def _value_words(part: pl.DataFrame) -> pl.Series:
    """64 hex digits of each token value (calldata); ether rows get a dummy word."""
    fits = pl.col("value") < 2**64
    small = part.select(
        pl.when(~_is_ether & pl.col("big_value").is_null() & fits).then(pl.col("value")).otherwise(0).cast(pl.UInt64)
    ).to_series()
    words = uint64_hex(small.to_numpy()).str.pad_start(64, "0")
    wide = part.select(~_is_ether & pl.col("big_value").is_null() & ~fits).to_series()  # WETH amounts
    big = part["big_value"]
    if big.null_count() == len(big) and not wide.any():
        return words
    text = part.select(pl.coalesce(pl.col("big_value"), pl.col("value").cast(pl.String))).to_series()
    rows = np.flatnonzero((big.is_not_null() | wide).to_numpy())
    return words.scatter(rows, [format(int(value), "064x") for value in text.gather(rows).to_list()])


def write_blocks(path: Path, frame: pl.DataFrame, addresses: pl.Series, cast: Cast, timeline: Timeline) -> int:
    """blocks.csv: the blocks that hold the world's transactions (`frame`: one row per transaction;
    empty blocks are left out)."""
    per_block = frame.group_by("block").agg(transaction_count=pl.len(), gas_used=pl.col("gas_used").sum()).sort("block")
    block = per_block["block"].to_numpy()
    count = len(block)
    roots = np.frombuffer(np.random.default_rng(timeline.hashes[0].tolist()).bytes(96 * count), dtype=np.uint8)
    roots = roots.reshape(count, 96)
    builders = cast.builders[timeline.hashes[block + 1, 0] % len(cast.builders)]
    blocks = per_block.select(
        number=pl.col("block") + timeline.first_block,
        hash=hex_strings(timeline.hashes[block + 1]),
        parent_hash=hex_strings(timeline.hashes[block]),
        nonce=pl.lit("0x0000000000000000"),
        sha3_uncles=pl.lit(EMPTY_UNCLES),
        logs_bloom=pl.lit("0x" + "0" * 512),
        transactions_root=hex_strings(roots[:, :32]),
        state_root=hex_strings(roots[:, 32:64]),
        receipts_root=hex_strings(roots[:, 64:]),
        miner=addresses.gather(builders),
        difficulty=pl.lit(0),
        total_difficulty=pl.lit(TERMINAL_DIFFICULTY),
        size=pl.col("transaction_count") * 112 + 540,
        extra_data=pl.lit(EXTRA_DATA),
        gas_limit=pl.max_horizontal(pl.lit(30_000_000), pl.col("gas_used")),
        gas_used=pl.col("gas_used"),
        timestamp=pl.col("block") * BLOCK_SECONDS + timeline.genesis,
        transaction_count=pl.col("transaction_count"),
        base_fee_per_gas=pl.Series(timeline.base_fee[block]),
    )
    blocks.write_csv(path)
    return count


def write_tokens(
    path: Path, book: AddressBook, cast: Cast, timeline: Timeline, extra_tokens: tuple[Token, ...] = ()
) -> None:
    """tokens.csv: the token contracts of the world (the cast's three, and WETH when it is used)."""
    tokens = (*cast.tokens, *extra_tokens)
    pl.DataFrame(
        {
            "address": [book.hex(token.address) for token in tokens],
            "symbol": [token.symbol for token in tokens],
            "name": [token.name for token in tokens],
            "decimals": [token.decimals for token in tokens],
            "total_supply": [str(token.total_supply) for token in tokens],
            "block_number": [timeline.first_block] * len(tokens),
        }
    ).write_csv(path)


Tag = tuple[str, str, str, str, str, str]  # address, label, category, actor, source, confidence


def write_tags(path: Path, book: AddressBook, cast: Cast, extra: tuple[Tag, ...] = ()) -> None:
    """tags.csv: what is publicly known: exchange hot wallets, the mixer, and `extra` rows
    (confounders' tagged contracts)."""
    rows = [
        (
            book.hex(wallet),
            f"{exchange.name} hot wallet {number}",
            "exchange",
            exchange.name,
            "simulated exchange label",
            "service_data",
        )
        for exchange in cast.exchanges
        for number, wallet in enumerate(exchange.hot_wallets, start=1)
    ]
    if cast.mixer is not None:
        rows.append(
            (
                book.hex(cast.mixer),
                "ether mixer",
                "mixing_service",
                "mixer",
                "simulated sanctions list",
                "authority_data",
            )
        )
    rows += extra
    columns = ["address", "label", "category", "actor", "source", "confidence"]
    pl.DataFrame(rows, schema=columns, orient="row").write_csv(path)
