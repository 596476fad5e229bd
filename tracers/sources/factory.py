"""Build a source from a plain, picklable description (what a Prefect task receives), once per
process, so that every fetch of the process shares one client and one rate limit."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from tracers.errors import SourceError

ENV_URL = {"rpc": "TRACERS_RPC_URL", "explorer": "TRACERS_EXPLORER_URL", "tron": "TRACERS_TRON_URL"}


@dataclass(frozen=True)
class SourceSpec:
    kind: str  # rpc | explorer | tron
    url: str
    chain: str
    confirmations: int = 0
    rate: float = 3.0  # requests per second (explorer, tron)
    timeout: float = 30.0
    chain_id: int | None = None  # rpc: the id the node must answer; None: the chain's own

    def describe(self) -> str:
        """The source without credentials, for logs and evidence."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
        return f"{self.kind} {parts.scheme}://{host}{port}{parts.path}"


def spec_from_options(kind: str, chain: str, rpc_url: str | None, explorer_url: str | None,
                      tron_url: str | None, confirmations: int = 0, rate: float = 3.0,
                      timeout: float = 30.0, chain_id: int | None = None) -> SourceSpec:
    """The source the CLI options (or their environment variables) name; a clear error if none.
    `chain_id` (or TRACERS_RPC_CHAIN_ID_<CHAIN>) accepts a node that serves another chain id than
    the chain's own: a local fork or test node (anvil, hardhat: 31337)."""
    url = {"rpc": rpc_url, "explorer": explorer_url, "tron": tron_url}[kind]
    if kind == "rpc":
        url = url or os.environ.get(f"TRACERS_RPC_URL_{chain.upper()}") or os.environ.get("TRACERS_RPC_URL")
    else:
        url = url or os.environ.get(ENV_URL[kind])
    if not url:
        option = {"rpc": "--rpc-url", "explorer": "--explorer-url", "tron": "--tron-url"}[kind]
        env = f"TRACERS_RPC_URL_{chain.upper()}" if kind == "rpc" else ENV_URL[kind]
        raise SourceError(f"--source {kind} needs a URL: give {option} URL or set {env}")
    if kind == "tron" and chain != "tron":
        raise SourceError("--source tron reads the tron chain: use --chain tron")
    if chain_id is None and kind == "rpc":
        text = os.environ.get(f"TRACERS_RPC_CHAIN_ID_{chain.upper()}", "").strip()
        if text and not text.isdigit():
            raise SourceError(f"TRACERS_RPC_CHAIN_ID_{chain.upper()}={text!r}: give the node's chain id as a "
                              "number, e.g. 31337")
        chain_id = int(text) if text else None
    return SourceSpec(kind, url, chain, confirmations, rate, timeout, chain_id)


_cache: dict[SourceSpec, object] = {}
_lock = threading.Lock()


def make_source(spec: SourceSpec):
    """The process's source for `spec` (created on first use)."""
    with _lock:
        if spec not in _cache:
            _cache[spec] = _build(spec)
        return _cache[spec]


def _build(spec: SourceSpec):
    import requests

    if spec.kind == "rpc":
        from tracers.sources.rpc import RpcSource

        options = {"chain_id": spec.chain_id} if spec.chain_id is not None else {}
        return RpcSource.from_url(spec.url, spec.chain, confirmations=spec.confirmations,
                                  timeout=spec.timeout, **options)
    if spec.kind == "explorer":
        from tracers.sources.explorer import ExplorerSource

        return ExplorerSource(spec.url, api_key=os.environ.get("TRACERS_ETHERSCAN_KEY"),
                              chain=spec.chain, session=requests.Session(), rate=spec.rate,
                              timeout=spec.timeout)
    if spec.kind == "tron":
        from tracers.sources.tron import TronGridSource

        return TronGridSource(spec.url, api_key=os.environ.get("TRACERS_TRONGRID_KEY"),
                              session=requests.Session(), rate=spec.rate, timeout=spec.timeout)
    raise SourceError(f"unknown source {spec.kind!r}: use rpc, explorer or tron")
