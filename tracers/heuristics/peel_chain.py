"""Peel chains on account chains: a0 -> a1 -> ... -> ak where each hop forwards most of what it
received (at least rho) to one address and peels the rest off elsewhere, within a window.

No published definition exists for account chains (BlockSci's is for UTXO: 1-input 2-output
transactions); this one carries the UTXO peel of Meiklejohn et al. ("A Fistful of Bitcoins",
IMC 2013: a large balance pays out a small amount and sends the rest onward) over to accounts, as
docs/heuristics.md states it, applied to the transfers that carried victim money. Each chain is
reported with the destination of every peel.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from tracers.trace.params import TraceParams
    from tracers.trace.propagate import Flow


@dataclass(frozen=True)
class PeelChain:
    asset: str
    source: str  # the address that launched the chain (a consolidator, usually)
    hops: tuple[str, ...]  # a1 .. ak in order
    forwards: tuple[Flow, ...]
    peels: tuple[Flow, ...]


def peel_chains(flows: list[Flow], members: set[str], params: TraceParams) -> list[PeelChain]:
    incoming: dict[tuple[str, str], list[Flow]] = defaultdict(list)
    outgoing: dict[tuple[str, str], list[Flow]] = defaultdict(list)
    for flow in flows:
        m = flow.move
        if m.receiver:
            incoming[(m.receiver, m.asset)].append(flow)
        if m.sender:
            outgoing[(m.sender, m.asset)].append(flow)

    def forward_of(address: str, asset: str) -> tuple[Flow, list[Flow]] | None:
        """The hop's one big forward and its peels, when `address` is a peel step."""
        ins = incoming.get((address, asset), [])
        outs = sorted(outgoing.get((address, asset), []), key=lambda f: -f.move.amount)
        if not ins or len(outs) < 2:
            return None
        received = sum(f.move.amount for f in ins)
        main, peels = outs[0], outs[1:]
        if main.move.receiver not in members or main.move.amount * 1000 < received * int(params.peel_rho * 1000):
            return None
        first_in = min(f.move.block_time for f in ins)
        if (max(f.move.block_time for f in outs) - first_in).total_seconds() > params.peel_window_seconds:
            return None
        return main, peels

    chains: list[PeelChain] = []
    steps = {}
    for (address, asset) in sorted(outgoing):
        if address in members:
            step = forward_of(address, asset)
            if step:
                steps[(address, asset)] = step
    successors = {(a, asset): step[0].move.receiver for (a, asset), step in steps.items()}
    has_predecessor = {(nxt, asset) for (a, asset), nxt in successors.items()}
    for (start, asset) in sorted(steps):
        if (start, asset) in has_predecessor:
            continue
        hops, forwards, peels = [], [], []
        current, seen = start, set()
        while (current, asset) in steps and current not in seen:
            seen.add(current)
            main, side = steps[(current, asset)]
            hops.append(current)
            forwards.append(main)
            peels.extend(side)
            current = cast(str, main.move.receiver)  # forward_of keeps a forward to a member only
        hops.append(current)
        if len(hops) - 1 >= params.peel_min_hops:
            source_flows = incoming.get((start, asset), [])
            source = max(source_flows, key=lambda f: f.move.amount).move.sender if source_flows else start
            chains.append(PeelChain(asset, source or start, tuple(hops), tuple(forwards), tuple(peels)))
    return chains
