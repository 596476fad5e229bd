"""Live sources of chain data. Each module splits fetching (I/O, with a client passed in) from a
pure mapper (raw reply -> tracers.domain.Transfer), tested on recorded replies.

    source.head(chain) -> int                                  # newest block safe to read
    source.fetch(chain, address, from_block, through_block) -> FetchResult

- rpc.py: EVM JSON-RPC through web3 (eth_getLogs, ots_* / trace_filter, block times in batches)
- explorer.py: Etherscan API v2 and compatible explorers (Blockscout)
- tron.py: TronGrid v1 (TRC-20 transfers)
"""

from __future__ import annotations

from typing import Protocol

from tracers.domain import FetchResult
from tracers.errors import SourceError, TransientSourceError

__all__ = ["Source", "SourceError", "TransientSourceError"]


class Source(Protocol):
    name: str  # rpc | explorer | tron

    def describe(self) -> dict: ...  # for evidence: source, url (no keys), chain_id

    def head(self, chain: str) -> int: ...

    def fetch(self, chain: str, address: str, from_block: int, through_block: int) -> FetchResult: ...
