"""Ways out of USDT the chains may take (swap_then_peel, mixer_deposits, bridge_deposit): which
chain and hop takes each, and the hooks the chain runner calls at that hop.

- swap_then_peel: at its hop, a chain swaps all its USDT for ether at the pool (dex.py) and goes on
  in ether: each later hop forwards ether and peels ether (in milli-ether) into fresh mules' deposit
  addresses at exchanges that sweep each deposit within hours; hops holding ether get no gas top-up.
- mixer_deposits: at its hop the chain (swapping first if it still holds USDT) deposits about half
  of its ether as fixed notes into the mixer (mixer.py) instead of peeling, and forwards the rest.
- bridge_deposit: at its hop the chain's USDT slice goes into the bridge (bridge.py).
Each confounder prefers a chain of its own; a chain never swaps before its bridge slice, nor in a
hop that would move the money its cluster's first mule takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracers.simulate import bridge as bridges
from tracers.simulate import dex
from tracers.simulate import mixer as mixers
from tracers.simulate.chain import HOUR, Asset
from tracers.simulate.confounders import (
    BRIDGE_DEPOSIT,
    MIXER_DEPOSITS,
    SWAP_THEN_PEEL,
    MixerDepositsParams,
    SwapThenPeelParams,
)
from tracers.simulate.mules import MULE_PREFERENCE, OTHER_EXCHANGE_WEIGHT, Mule, hire_mule
from tracers.simulate.peel import AT_REST, BRIDGE, DEPOSIT, PeelPlan
from tracers.simulate.records import Cluster
from tracers.simulate.scene import Scene

LATEST_SWAP = 2000  # blocks before the world's end after which a chain no longer swaps
ETHER_MULES = (1, 2)  # fresh mules hired per converted chain


@dataclass
class Exits:
    """The pool, mixer and bridge of a world (None when their confounders are off)."""

    pool: dex.Pool | None = None
    mixer: mixers.Mixer | None = None
    bridge: bridges.Bridge | None = None
    scenes: dict[str, Scene] = field(default_factory=dict)
    clusters: list[Cluster] = field(default_factory=list)

    def convert(self, block: int, chain: PeelPlan, hop: int, act) -> bool:
        """At a chain's swap hop: swap all its USDT for ether and have `act(block, chain, hop)` run
        again once the ether is there; False when this hop does not swap (or it is too late)."""
        if chain.convert_at != hop or chain.asset != Asset.USDT or self.pool is None:
            return False
        scene = self.scenes[chain.convert_for]
        address = chain.hops[hop]
        held = scene.ledger.spendable(address, Asset.USDT, block)
        if held == 0 or block + LATEST_SWAP >= scene.timeline.n_blocks - HOUR:
            chain.convert_at = None
            return False
        out, usdt_ref, out_ref = dex.swap_usdt(scene, block, self.pool, address, held)
        chain.swap = dex.Swap(address, held, self.pool.out_asset, out, usdt_ref, out_ref)
        self.pool.swaps.append(chain.swap)
        chain.asset, chain.carried = Asset.ETH, out
        self._retarget(scene, chain, hop)
        scene.confounding.mark(chain.convert_for, *chain.hops[hop:])
        if self.pool.weth is None:
            scene.schedule.at(block + scene.blocks(1, 30), act, chain, hop)
        else:
            scene.schedule.at(block + scene.blocks(5, 300), self._unwrap, scene, chain, hop, act)
        return True

    def mix(self, block: int, chain: PeelPlan, hop: int, held: int) -> int:
        """At a chain's mixer hop: schedule its note deposits; returns the ether they take."""
        if chain.mix_at != hop or chain.asset != Asset.ETH or self.mixer is None:
            return 0
        scene = self.scenes[MIXER_DEPOSITS]
        note, count = mixers.case_notes(held)
        mixers.deposit_notes(scene, self.mixer, block, chain.hops[hop], note, count)
        scene.confounding.mark(MIXER_DEPOSITS, chain.hops[hop])
        return note * count

    def bridge_deposit(self, block: int, who: int, amount: int) -> int:
        """A hop's USDT slice into the bridge; returns its ref."""
        assert self.bridge is not None  # plan_exits gives a chain a bridge slice only when there is a bridge
        self.scenes[BRIDGE_DEPOSIT].confounding.mark(BRIDGE_DEPOSIT, who)
        return bridges.deposit(self.scenes[BRIDGE_DEPOSIT], self.bridge, block, who, amount)

    def _unwrap(self, block: int, scene: Scene, chain: PeelPlan, hop: int, act) -> None:
        assert self.pool is not None and chain.swap is not None  # `convert` schedules it after its swap
        chain.swap.unwrap_ref = dex.unwrap(scene, block, self.pool, chain.hops[hop], chain.swap.out)
        scene.schedule.at(block + scene.blocks(1, 30), act, chain, hop)

    def _retarget(self, scene: Scene, chain: PeelPlan, hop: int) -> None:
        """From the swap hop on, slices (and the hand-off, unless the chain ends at rest) go to fresh
        mules' deposit addresses, which take ether only."""
        cluster = self.clusters[chain.cluster]
        hired = [_ether_mule(scene) for _ in range(scene.blocks(ETHER_MULES[0], ETHER_MULES[1] + 1))]
        cluster.ether_mules += hired
        for number in range(hop, len(chain.peel_kinds)):
            chain.peel_kinds[number] = DEPOSIT
            chain.peel_to[number] = hired[int(scene.rng.integers(len(hired)))].deposit
        if chain.end_kind != AT_REST:
            chain.end_kind, chain.end_to = DEPOSIT, hired[int(scene.rng.integers(len(hired)))].deposit
        scene.confounding.mark(chain.convert_for, *(mule.deposit for mule in hired))


def open_exits(scene: Scene, clusters: list[Cluster]) -> Exits | None:
    """The pool, mixer and bridge the switched-on confounders need (None when all three are off)."""
    confounding = scene.confounding
    on = [name for name in (SWAP_THEN_PEEL, MIXER_DEPOSITS, BRIDGE_DEPOSIT) if confounding.on(name)]
    if not on:
        return None
    exits = Exits(scenes={name: scene.under(name) for name in on}, clusters=clusters)
    if SWAP_THEN_PEEL in on or MIXER_DEPOSITS in on:
        owner = SWAP_THEN_PEEL if SWAP_THEN_PEEL in on else MIXER_DEPOSITS
        if owner == SWAP_THEN_PEEL:
            swap = confounding.parameters(SWAP_THEN_PEEL, SwapThenPeelParams)
            price, via_weth, background_swaps = swap["usdt_per_eth"], swap["via_weth"], swap["background_swaps"]
        else:  # the mixer's own pool: no WETH, the usual background swaps
            price = confounding.parameters(MIXER_DEPOSITS, MixerDepositsParams)["usdt_per_eth"]
            via_weth, background_swaps = False, 40
        exits.pool = dex.open_pool(exits.scenes[owner], owner, price, via_weth, background_swaps)
    if MIXER_DEPOSITS in on:
        exits.mixer = mixers.open_mixer(exits.scenes[MIXER_DEPOSITS])
    if BRIDGE_DEPOSIT in on:
        exits.bridge = bridges.open_bridge(exits.scenes[BRIDGE_DEPOSIT])
    return exits


def plan_exits(exits: Exits | None, chains: list[PeelPlan]) -> None:
    """Pick the chain and hop of each way out (after the chains' targets are set)."""
    if exits is None:
        return
    candidates = [chain for chain in chains if not chain.is_branch]
    used: set[int] = set()
    if exits.bridge is not None and candidates:
        scene = exits.scenes[BRIDGE_DEPOSIT]
        chain = _pick(scene.rng, candidates, used, lambda c: len(c.hops) >= 2)
        hop = int(scene.rng.integers(0, len(chain.hops) - 1))
        chain.peel_kinds[hop], chain.peel_to[hop] = BRIDGE, exits.bridge.address
        chain.bridge_at = hop
        used.add(id(chain))
    for name in (SWAP_THEN_PEEL, MIXER_DEPOSITS):
        if name not in exits.scenes or not candidates:
            continue
        scene = exits.scenes[name]
        chain = _pick(scene.rng, candidates, used, lambda c: _first_free(exits, c) < len(c.hops) - 1)
        low = _first_free(exits, chain)
        high = len(chain.hops) - (2 if name == SWAP_THEN_PEEL else 1)
        hop = int(scene.rng.integers(low, high + 1)) if low <= high else high
        if name == MIXER_DEPOSITS:
            chain.mix_at = hop
        if chain.convert_at is None or chain.convert_at > hop:
            chain.convert_at, chain.convert_for = hop, name
        used.add(id(chain))


def _pick(rng: np.random.Generator, chains: list[PeelPlan], used: set[int], fits) -> PeelPlan:
    """A chain not yet used that fits, else one that fits, else any."""
    for pool in ([c for c in chains if id(c) not in used and fits(c)], [c for c in chains if fits(c)], chains):
        if pool:
            return pool[int(rng.integers(len(pool)))]
    raise ValueError("no chain to pick from")


def _first_free(exits: Exits, chain: PeelPlan) -> int:
    """The first hop from which the chain may hold ether: after its bridge slice and after any
    slice into its cluster's first mule (who takes USDT only)."""
    first_mule = exits.clusters[chain.cluster].mules[0].deposit
    taken = [hop for hop, to in enumerate(chain.peel_to) if to == first_mule]
    if chain.bridge_at is not None:
        taken.append(chain.bridge_at)
    if chain.end_to == first_mule:
        taken.append(len(chain.hops) - 1)
    return max(taken, default=-1) + 1


def _ether_mule(scene: Scene) -> Mule:
    """A fresh mule at an exchange that sweeps each deposit within hours (not a daily batch)."""
    exchanges = [e for e in scene.cast.exchanges if not e.batch_sweeps] or list(scene.cast.exchanges)
    weights = np.array([MULE_PREFERENCE.get(e.name, OTHER_EXCHANGE_WEIGHT) for e in exchanges])
    exchange = exchanges[int(scene.rng.choice(len(exchanges), p=weights / weights.sum()))]
    return hire_mule(scene, exchange.index, own_money=False)
