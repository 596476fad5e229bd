"""Build a source from a plain, picklable description (what a Prefect task receives), once per
process, so that every fetch of the process shares one client and one rate limit."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from tracers import settings
from tracers.domain import LIVE_SOURCES
from tracers.errors import SourceError


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
        """The source without credentials, for logs, evidence and cache keys: `rpc https://host/v3/***`."""
        from tracers.redact import shown_url

        return f"{self.kind} {shown_url(self.url)}"


def spec_from_options(kind: str, chain: str, rpc_url: str | None = None, explorer_url: str | None = None,
                      tron_url: str | None = None, confirmations: int = 0, rate: float = 3.0,
                      timeout: float = 30.0, chain_id: int | None = None) -> SourceSpec:
    """The source the options name, each resolved by tracers.settings (option > per-chain variable >
    generic variable); a clear error if there is no URL. `chain_id` (or TRACERS_RPC_CHAIN_ID_<CHAIN>)
    accepts a node serving another chain id than the chain's own: a local fork or test node (31337)."""
    if kind not in LIVE_SOURCES:
        raise SourceError(f"unknown source {kind!r}: use rpc, explorer or tron")
    if kind == "tron" and chain != "tron":
        raise SourceError(f"--source tron reads the tron chain, not {chain}: leave --chain out or give --chain tron")
    setting = f"{kind}_url"
    url = settings.resolve(setting, {"rpc": rpc_url, "explorer": explorer_url, "tron": tron_url}[kind], chain)
    if not url:
        raise SourceError(f"--source {kind} needs a URL: {settings.where(setting, chain)}")
    if kind == "rpc":
        chain_id = settings.resolve("chain_id", chain_id, chain)
    _check_url(kind, url, chain)
    return SourceSpec(kind, url, chain, confirmations, rate, timeout, chain_id)


def _check_url(kind: str, url: str, chain: str) -> None:
    """The checks the source itself makes of its URL and chain, made here too so that a bad one
    stops the command before any work (a Prefect flow, a store write)."""
    if kind == "explorer":
        from tracers.sources.explorer import check_base_url as check_explorer_url

        check_explorer_url(url, chain)
    elif kind == "tron":
        from tracers.sources.tron import check_base_url as check_tron_url

        check_tron_url(url)


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

        return ExplorerSource(spec.url, api_key=settings.resolve("etherscan_key"),
                              chain=spec.chain, session=requests.Session(), rate=spec.rate,
                              timeout=spec.timeout)
    if spec.kind == "tron":
        from tracers.sources.tron import TronGridSource

        return TronGridSource(spec.url, api_key=settings.resolve("trongrid_key"),
                              session=requests.Session(), rate=spec.rate, timeout=spec.timeout)
    raise SourceError(f"unknown source {spec.kind!r}: use rpc, explorer or tron")
