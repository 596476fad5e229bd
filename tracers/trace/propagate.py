"""Move victim money forward through the addresses the trace follows, in chain order.

Pure: given the loaded transfers, the tainted inflows (sources) and the addresses being followed
(each with its hop depth), replay every transfer in (block, log/transaction index) order with a
ledger per address and asset. Money leaves an address only after it arrived; each asset is traced
on its own until a conversion (heuristics/conversion.py: a swap, a WETH wrap) carries the money
into another asset. What this returns is what the next step classifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracers.heuristics.conversion import (
    SYNTHETIC,
    Conversion,
    convert,
    find_conversions,
    in_trade_order,
    share_of_leg,
    with_wraps,
)
from tracers.trace.graph import Move
from tracers.trace.params import TraceParams
from tracers.trace.taint import Ledger, Taint, ledger_for


@dataclass
class Flow:
    move: Move
    carried: Taint
    hop: int

    @property
    def traced(self) -> int:
        return sum(self.carried.values())


@dataclass
class Propagation:
    flows: dict[tuple, Flow] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)  # address -> hop depth (not followed yet)
    outside_window: dict[str, list[tuple]] = field(default_factory=dict)  # address -> flow keys
    dust: dict[str, list[tuple]] = field(default_factory=dict)  # address -> flow keys
    at_rest: dict[tuple[str, str], Taint] = field(default_factory=dict)  # (address, asset)
    not_followed: dict[str, list[Move]] = field(default_factory=dict)  # reason -> moves
    conversions: list[Converted] = field(default_factory=list)


@dataclass
class Converted:
    """A conversion that carried victim money into another asset."""

    conversion: Conversion
    asset: str  # what it got
    amount_in: int
    amount_out: int
    traced_in: int
    traced_out: int


def dust_of(move: Move, params: TraceParams) -> int:
    return params.dust["native" if move.asset == "native" else "token"]


MAX_PASSES = 5


def propagate(
    moves: list[Move],
    sources: dict[tuple, Taint],
    followed: dict[str, int],
    assets: set[str],
    imitations: set[str],
    params: TraceParams,
    wrapped: str | None = None,
) -> Propagation:
    """Replay the moves; where an address overdrew and later inflows repaid it, replay again with
    the repaid taint carried on the outflow that overdrew, until nothing changes. Conversions
    (heuristics/conversion.py) carry victim money into the asset they got; `wrapped` is the
    chain's wrapped-native token (WETH), whose wraps and unwraps have no Transfer log."""
    moves = with_wraps(moves, wrapped)
    conversions = find_conversions(moves, followed, imitations)
    moves = in_trade_order(moves, conversions)
    assets = _converted_assets(assets, conversions)
    late: dict[tuple, Taint] = {}
    for _ in range(MAX_PASSES):
        for c in conversions.values():
            c.traced_in = {}
        result, repaid = _replay(moves, sources, followed, assets, imitations, params, late, conversions)
        if repaid == late:
            break
        late = repaid
    return result


def _converted_assets(assets: set[str], conversions: dict) -> set[str]:
    """The case's assets and every asset they were converted into (and on, transitively)."""
    found = set(assets)
    while True:
        more = {a for c in conversions.values() if c.from_assets & found for a in c.to_assets} - found
        if not more:
            return found
        found |= more


def _replay(moves, sources, followed, assets, imitations, params, late, conversions) -> tuple[Propagation, dict]:
    result = Propagation()
    ledgers: dict[tuple[str, str], Ledger] = {}
    repaid: dict[tuple, Taint] = {}
    paid_in = {m.key: c for c in conversions.values() for m in c.paid}
    got_in = {m.key: c for c in conversions.values() for m in c.got}
    pool_side = {(c.tx_hash, p) for c in conversions.values() for p in c.counterparties}
    output: dict[tuple[int, str], list] = {}  # (conversion id, asset) -> [what is left to hand out, legs left]

    def ledger(address: str, asset: str) -> Ledger:
        key = (address, asset)
        if key not in ledgers:
            ledgers[key] = ledger_for(params.taint.value)
        return ledgers[key]

    for move in moves:
        touches = move.sender in followed or move.receiver in followed
        if move.asset not in assets or move.amount == 0:
            if touches:
                reason = (
                    "zero_value" if move.amount == 0
                    else "imitation_token" if move.asset in imitations
                    else "other_asset"
                )
                result.not_followed.setdefault(reason, []).append(move)
            continue
        carried: Taint = {}
        hop = 1
        if move.sender in followed:
            sender_ledger = ledger(move.sender, move.asset)
            fresh = sender_ledger.last_tainted_at
            carried = _add(sender_ledger.send(move.amount, move.key), late.get(move.key))
            hop = followed[move.sender] + 1
            in_window = fresh is not None and (move.block_time - fresh) <= params.window
        else:
            in_window = True
        seeded = sources.get(move.key) if move.sender not in followed else None
        if seeded:
            carried = _add(carried, seeded)
            hop = 1 if move.sender not in followed else hop
        if move.key in paid_in:
            paid_in[move.key].traced_in = _add(paid_in[move.key].traced_in, carried)
        if move.key in got_in and move.receiver in followed:
            carried = _add(carried, _converted(got_in[move.key], move, output, result))
            hop = followed[move.receiver]
        if move.receiver in followed:
            for key, part in ledger(move.receiver, move.asset).receive(move.amount, carried, move.block_time):
                repaid[key] = _add(repaid.get(key, {}), part)
        if not carried or move.kind in SYNTHETIC:
            continue
        flow = Flow(move, carried, hop)
        result.flows[move.key] = flow
        receiver = move.receiver
        if receiver is None or receiver in followed or (move.tx_hash, receiver) in pool_side:
            continue  # a pool or router paid in a conversion traded with the scam: not reached
        if flow.traced < dust_of(move, params):
            result.dust.setdefault(receiver, []).append(move.key)
        elif not in_window:
            result.outside_window.setdefault(receiver, []).append(move.key)
        else:
            result.reached[receiver] = min(hop, result.reached.get(receiver, hop))
    for (address, asset), held in ledgers.items():
        if held.tainted():
            result.at_rest[(address, asset)] = dict(held.taint)
    return result, repaid


def _converted(c: Conversion, leg: Move, output: dict, result: Propagation) -> Taint:
    """What this received leg of a conversion carries: its share of floor(out * traced_in / in)."""
    key = (id(c), leg.asset)
    if key not in output:
        amount_in, amount_out = c.amount_in(), c.amount_out(leg.asset)
        whole = convert(c.traced_in, amount_in, amount_out)
        output[key] = [whole, dict(whole), sum(1 for m in c.got if m.asset == leg.asset), amount_out]
        if whole:
            result.conversions.append(Converted(c, leg.asset, amount_in, amount_out, sum(c.traced_in.values()),
                                                sum(whole.values())))
    whole, left, legs, amount_out = output[key]
    share = left if legs == 1 else share_of_leg(whole, leg.amount, amount_out, False)
    output[key] = [whole, {k: v - share.get(k, 0) for k, v in left.items()}, legs - 1, amount_out]
    return {k: v for k, v in share.items() if v}


def _add(taint: Taint, more: Taint | None) -> Taint:
    if not more:
        return taint
    total = dict(taint)
    for label, value in more.items():
        total[label] = total.get(label, 0) + value
    return total
