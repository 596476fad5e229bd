"""The parameters of a trace, with their defaults and where each default comes from.

Where the literature gives no default (peel chains on account chains, service detection), the
default is a plain rule (a majority, "nearly all") rather than a value fitted to one world; the
accuracy suite checks it on confounder worlds drawn at random (`python -m bench evaluate`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta

from tracers.chains import CHAINS
from tracers.domain import TaintModel
from tracers.errors import TracersError

Taint = TaintModel  # the trace API's name for the vocabulary in tracers.domain


@dataclass(frozen=True)
class TraceParams:
    # Expansion
    hops: int = 30
    """Hops from a victim's payment after which tracing stops. A bound on the walk's cost, not a
    rule: endpoints (deposit addresses, services, mixers), the window and dust end it first.
    Griffin & Mei 2024 traced 5 hops from collection addresses; behind a consolidator come one or
    two layers and then peel chains of a dozen hops or more, so 12 (the earlier default) cut real
    chains short of their exchange, while 30 changed no perpetrator or deposit verdict on the
    confounder worlds (seeds 300-329, 12 against 40 hops)."""
    window_seconds: int = 30 * 86400
    """Taint is followed out of an address only by outflows within this time after the last
    tainted inflow (`--window 30d`)."""
    taint: Taint = Taint.haircut
    dust: dict[str, int] = field(default_factory=lambda: {"token": 1_000_000, "native": 10**15})
    """Carried amounts below this (base units; 1 USDT for 6-decimal tokens, 0.001 ETH) are not
    followed."""

    # Exchange deposit addresses (Victor 2020; Tutela's tau and alpha)
    deposit_max_blocks: int = 3200
    """An address forwarding received value to a tagged exchange within this many blocks (~12 h)
    is a deposit address of that exchange."""
    deposit_max_wei_diff: int = 10**16
    """Ether forwards may fall short of the deposits by gas: at most 0.01 ETH."""
    deposit_batch_max_blocks: int = 7200 * 2
    """Exchanges that sweep daily forward the sum of deposits since the last sweep: such a sweep
    may come up to ~2 days after the first deposit it aggregates."""

    # Services: decided by whose money an address moves (no published default exists)
    service_min_outsiders: int = 10
    """An untagged address is a service (OTC desk, merchant, payment processor) only when at least
    this many of its payers are outsiders (neither the cluster nor payers sweeping their own
    non-exchange money into it): a person's wallet (a mule with a salary) has a handful, a desk or
    a shop has many. Never decides alone: see service_max_case_share."""
    service_max_case_share: float = 0.5
    """... and when those outsiders are most of its payers, or the case's money is less than this
    share of what it received: the majority rule, not a fitted value. A consolidator paid by the
    cluster's collections is never a service, whatever "profits" it pays out."""
    service_sample: int = 200
    """How many of a candidate's payers (the largest by value) the service rule examines."""
    sweeper_share: float = 0.9
    """A sender sweeps into the cluster when the cluster got at least this share of everything the
    sender ever sent of the asset (split across several consolidators or not)."""

    # Fan-in clustering
    fan_in_min_sweepers: int = 2
    """A cluster address that at least this many addresses sweep into, one of them a collection the
    case already knows, is a consolidator; its other sweepers are collection addresses too."""

    # Peel chains (account chains: no published definition; Meiklejohn et al. 2013's UTXO peel carried
    # over to accounts, see tracers/heuristics/peel_chain.py and docs/heuristics.md)
    peel_rho: float = 0.7
    """Each hop forwards at least this share of what it received to one fresh address."""
    peel_min_hops: int = 3
    peel_window_seconds: int = 7 * 86400

    # Mixers (untagged, by shape; Tornado-style pools)
    mixer_min_depositors: int = 10
    """An untagged contract paid in ether by at least this many depositors, mostly in fixed notes,
    paying out only by relayed internal transfers, is a mixer: tracing stops there."""
    mixer_note_depositors: int = 3
    """An amount paid in by at least this many different depositors is a note (a denomination)."""

    # Payout addresses (fake profits)
    profit_min_victims: int = 2
    """An address that paid at least this many of the case's victims after they first paid the
    scam, most of its receivers being such victims, is the scam's payout address (FinCEN
    FIN-2023-Alert005: a small "profit" back to the victim, then larger payments from them)."""

    # Gas-feeder co-funding
    gas_max_wei: int = 2 * 10**17
    """Ether transfers up to 0.2 ETH into an address before its first outflow fund gas."""
    feeder_min_funded: int = 3
    feeder_min_share: float = 0.3
    """A funder is the cluster's gas feeder when at least this many perpetrators and this share of
    all the addresses it funded are perpetrators (rental services fund thousands of others)."""

    def for_chain(self, chain: str) -> TraceParams:
        """These parameters as they apply on `chain`: block windows (written for Ethereum's
        12-second blocks) scaled to the chain's block time, and native-coin amounts (written for
        ether) replaced by the chain's own (NATIVE_AMOUNTS). Ethereum's are these parameters."""
        known = CHAINS.get(chain)
        if known is None:
            return self
        scale = ETHEREUM_BLOCK_SECONDS / known.block_seconds
        native = NATIVE_AMOUNTS.get(chain, {})
        return replace(
            self,
            deposit_max_blocks=math.ceil(self.deposit_max_blocks * scale),
            deposit_batch_max_blocks=math.ceil(self.deposit_batch_max_blocks * scale),
            dust={**self.dust, "native": native.get("dust", self.dust["native"])},
            deposit_max_wei_diff=native.get("deposit_max_wei_diff", self.deposit_max_wei_diff),
            gas_max_wei=native.get("gas_max_wei", self.gas_max_wei),
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["taint"] = self.taint.value
        return json.dumps(data, sort_keys=True)

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)


ETHEREUM_BLOCK_SECONDS = 12.0
# Native-coin amounts on chains whose coin is not an 18-decimal ether-like one (base units). Tron:
# TRX has 6 decimals and is worth about 1/10,000 of an ether: dust is 10 TRX (about what 0.001 ETH
# is worth); a native sweep falls short of its deposits by its bandwidth fee, under 1 TRX, allowed
# up to 10 TRX; gas funding (TRX sent for energy: a USDT transfer burns up to ~30 TRX) is up to
# 200 TRX. tracers' choices, like the ether values they stand for.
NATIVE_AMOUNTS: dict[str, dict[str, int]] = {
    "tron": {"dust": 10 * 10**6, "deposit_max_wei_diff": 10 * 10**6, "gas_max_wei": 200 * 10**6},
}


_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """`30d`, `12h`, `2w` -> seconds."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise TracersError(f"--window {text!r}: write a duration like 12h, 30d or 2w")
    return int(match.group(1)) * _UNITS[match.group(2)]
