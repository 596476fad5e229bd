"""Move victim money forward through the addresses the trace follows, in chain order.

Pure: given the loaded transfers, the tainted inflows (sources) and the addresses being followed
(each with its hop depth), replay every transfer in (block, log/transaction index) order with a
ledger per address and asset. Money leaves an address only after it arrived; each asset is traced
on its own (USDT stays USDT). What this returns is what the next step classifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def dust_of(move: Move, params: TraceParams) -> int:
    return params.dust["native" if move.kind == "native" else "token"]


MAX_PASSES = 5


def propagate(
    moves: list[Move],
    sources: dict[tuple, Taint],
    followed: dict[str, int],
    assets: set[str],
    imitations: set[str],
    params: TraceParams,
) -> Propagation:
    """Replay the moves; where an address overdrew and later inflows repaid it, replay again with
    the repaid taint carried on the outflow that overdrew, until nothing changes."""
    late: dict[tuple, Taint] = {}
    for _ in range(MAX_PASSES):
        result, repaid = _replay(moves, sources, followed, assets, imitations, params, late)
        if repaid == late:
            break
        late = repaid
    return result


def _replay(moves, sources, followed, assets, imitations, params, late) -> tuple[Propagation, dict]:
    result = Propagation()
    ledgers: dict[tuple[str, str], Ledger] = {}
    repaid: dict[tuple, Taint] = {}

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
        if move.receiver in followed:
            for key, part in ledger(move.receiver, move.asset).receive(move.amount, carried, move.block_time):
                repaid[key] = _add(repaid.get(key, {}), part)
        if not carried:
            continue
        flow = Flow(move, carried, hop)
        result.flows[move.key] = flow
        receiver = move.receiver
        if receiver is None or receiver in followed:
            continue
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


def _add(taint: Taint, more: Taint | None) -> Taint:
    if not more:
        return taint
    total = dict(taint)
    for label, value in more.items():
        total[label] = total.get(label, 0) + value
    return total
