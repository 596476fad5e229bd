"""Peel chains: how a scam cluster's consolidators launder the takings.

A chain starts when a consolidator sends its whole balance to a fresh hop address. Each hop gets
a gas top-up from the cluster's feeder, then forwards most of what it holds (a share drawn from
`config.peel_keep`) to the next fresh hop and peels the rest off, in whole dollars, to a money
mule's exchange deposit address, to the untagged OTC desk or, once or twice in a world, to a busy
legitimate merchant. The last hop hands everything to the OTC desk or to a mule's deposit, or keeps
it: victim money at rest.

With the noisy_peels confounder a hop forwards 50-95 %, waits minutes to 20 days (some hold 10-25
days, when the world lasts that long), and some hops split: part of what they forward starts a
branch chain of its own. A hop whose turn would come after the world ends keeps what it holds.

With swap_then_peel, mixer_deposits or bridge_deposit a chain may swap to ether, put notes into a
mixer or a slice into a bridge at one hop (exits.py plans them and plays them through the hooks
this runner calls); a chain holding ether peels in milli-ether and does not split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracers.simulate.chain import DAY, ETHER, HOUR, USDT_UNIT, Asset
from tracers.simulate.confounders import NOISY_PEELS, NoisyPeelsParams
from tracers.simulate.mules import Mule
from tracers.simulate.scene import Scene

if TYPE_CHECKING:
    from tracers.simulate.dex import Swap
    from tracers.simulate.exits import Exits

DEPOSIT, OTC_DESK, MERCHANT, AT_REST, BRIDGE = "deposit", "otc_desk", "merchant", "at_rest", "bridge"
PEEL_GRANULE = {Asset.USDT: USDT_UNIT, Asset.ETH: ETHER // 1000}  # whole dollars, milli-ether


@dataclass
class Peel:
    """One slice leaving a chain (or the chain's final hand-off)."""

    hop: int
    src: int
    dst: int
    kind: str
    amount: int
    ref: int
    asset: Asset = Asset.USDT


@dataclass
class PeelPlan:
    """A planned peel chain and, once run, what it moved."""

    cluster: int
    source: int
    feeder: int
    launch: int
    hops: list[int]
    peel_kinds: list[str]
    end_kind: str
    mules: list[Mule]
    peel_to: list[int] = field(default_factory=list)
    end_to: int | None = None
    launch_ref: int | None = None
    amount: int = 0
    peels: list[Peel] = field(default_factory=list)
    end: Peel | None = None
    branches: list[PeelPlan] = field(default_factory=list)
    is_branch: bool = False
    asset: Asset = Asset.USDT  # what the chain carries now: USDT, or ether after a swap
    carried: int = 0  # the ether the current hop holds from the chain (not its gas)
    convert_at: int | None = None  # the hop that swaps to ether (exits.py)
    convert_for: str = ""  # the confounder the swap plays
    mix_at: int | None = None  # the hop that deposits notes into the mixer
    bridge_at: int | None = None  # the hop whose slice goes into the bridge
    swap: Swap | None = None

    def family(self) -> list[PeelPlan]:
        """This chain and every branch that split off it, depth first."""
        return [self, *(member for branch in self.branches for member in branch.family())]


def plan_chain(scene: Scene, cluster: int, source: int, feeder: int, launch: int, mules: list[Mule]) -> PeelPlan:
    """Draw a chain's length and where its slices go (the targets are set by `assign_targets`)."""
    low, high = scene.config.peel_hops
    hops = [int(a) for a in scene.book.new(scene.rng, int(scene.rng.integers(low, high + 1)))]
    otc = scene.cast.otc is not None
    kinds = [OTC_DESK if otc and scene.chance(0.2) else DEPOSIT for _ in hops[:-1]]
    end_choices = [DEPOSIT, AT_REST] + ([OTC_DESK] if otc else [])
    end_weights = [0.45, 0.25] + ([0.3] if otc else [])
    end = end_choices[int(scene.rng.choice(len(end_choices), p=[w / sum(end_weights) for w in end_weights]))]
    return PeelPlan(cluster, source, feeder, launch, hops, kinds, end, mules)


def ensure_variety(scene: Scene, chains: list[PeelPlan]) -> None:
    """Make every world hold the cases a tracer must handle: in each cluster a slice into a mule's
    deposit; a merchant slice or two; a chain that ends at the OTC desk and, when there are two
    chains or more, one that ends at rest."""
    kept = set()
    for cluster in sorted({chain.cluster for chain in chains}):
        own = [c for c, chain in enumerate(chains) if chain.cluster == cluster]
        first = next(((c, h) for c in own for h, kind in enumerate(chains[c].peel_kinds) if kind == DEPOSIT), None)
        if first is None:
            first = (own[0], 0)
            chains[own[0]].peel_kinds[0] = DEPOSIT
        kept.add(first)
    slots = [(c, h) for c, chain in enumerate(chains) for h in range(len(chain.peel_kinds)) if (c, h) not in kept]
    if scene.cast.merchant is not None and slots:
        picks = scene.rng.choice(len(slots), size=min(len(slots), 1 + int(scene.chance(0.5))), replace=False)
        for pick in sorted(int(p) for p in picks):
            c, h = slots[pick]
            chains[c].peel_kinds[h] = MERCHANT
    ends = [chain.end_kind for chain in chains]
    if scene.cast.otc is not None and chains and OTC_DESK not in ends:
        chains[int(scene.rng.integers(len(chains)))].end_kind = OTC_DESK
    ends = [chain.end_kind for chain in chains]
    if len(chains) >= 2 and AT_REST not in ends:
        candidates = [c for c, chain in enumerate(chains) if chain.end_kind != OTC_DESK or ends.count(OTC_DESK) > 1]
        chains[candidates[int(scene.rng.integers(len(candidates)))]].end_kind = AT_REST


def assign_targets(scene: Scene, chain: PeelPlan) -> None:
    """Pick the concrete receiver of every slice and of the final hand-off."""
    chain.peel_to = [_target(scene, kind, chain.mules) for kind in chain.peel_kinds]
    chain.end_to = None if chain.end_kind == AT_REST else _target(scene, chain.end_kind, chain.mules)


def use_mule(chains: list[PeelPlan], mule: Mule) -> None:
    """Route a cluster's first deposit slice to `mule` unless the mule already takes one."""
    if any(mule.deposit in [*chain.peel_to, chain.end_to] for chain in chains):
        return
    for chain in chains:
        for hop, kind in enumerate(chain.peel_kinds):
            if kind == DEPOSIT:
                chain.peel_to[hop] = mule.deposit
                return
        if chain.end_kind == DEPOSIT:
            chain.end_to = mule.deposit
            return


def _target(scene: Scene, kind: str, mules: list[Mule]) -> int:
    if kind == OTC_DESK:
        assert scene.cast.otc is not None  # plan_chain and ensure_variety pick it only when there is one
        return scene.cast.otc
    if kind == MERCHANT:
        assert scene.cast.merchant is not None  # ensure_variety picks it only when there is one
        return scene.cast.merchant
    return mules[int(scene.rng.integers(len(mules)))].deposit


class ChainRunner:
    """Plays planned chains on the scene's schedule."""

    def __init__(self, scene: Scene, exits: Exits | None = None) -> None:
        self.scene = scene
        self.exits = exits
        self.noisy = scene.under(NOISY_PEELS) if scene.confounding.on(NOISY_PEELS) else None
        self.low_forward_shown = False
        self.split_shown = False
        self.last_block = scene.timeline.n_blocks - HOUR  # nothing is scheduled after this

    def start(self, chain: PeelPlan) -> None:
        """Schedule the chain's launch."""
        self.scene.schedule.at(chain.launch, self._launch, chain)

    def _launch(self, block: int, chain: PeelPlan) -> None:
        amount = self.scene.ledger.spendable(chain.source, Asset.USDT, block)
        if amount == 0:
            return
        chain.amount = amount
        chain.launch_ref = self.scene.ledger.move(block, Asset.USDT, chain.source, chain.hops[0], amount)
        self._arrive(block, chain, 0)

    def _arrive(self, block: int, chain: PeelPlan, hop: int) -> None:
        gas_block = block + self.scene.blocks(1, 30)
        if gas_block < self.last_block:
            if chain.asset == Asset.USDT:
                self.scene.gas(gas_block, chain.feeder, chain.hops[hop])
            else:  # a hop holding ether pays its own fees; the draw keeps the scam's stream in step
                self.scene.skip_gas()
        wait = self.scene.blocks(5, 600)
        if self.noisy is not None:
            wait = self._noisy_wait(self.noisy)
            if gas_block + wait >= self.last_block:  # no time left to hold that long: move on soon
                wait = self.noisy.blocks(5, 600)
        if gas_block + wait >= self.last_block:
            chain.end_kind = AT_REST  # the world ends before this hop moves on
            return
        self.scene.schedule.at(gas_block + wait, self._act, chain, hop)

    def _noisy_wait(self, noisy: Scene) -> int:
        """Minutes to 20 days (log-uniform), or a hold of 10-25 days."""
        params = self.scene.confounding.parameters(NOISY_PEELS, NoisyPeelsParams)
        if noisy.chance(float(params["hold_share"])):
            low, high = params["hold_days"]
            return noisy.blocks(low * DAY, high * DAY)
        top = int(params["max_delay_days"]) * DAY
        return int(math.exp(noisy.share(math.log(5), math.log(top))))

    def _act(self, block: int, chain: PeelPlan, hop: int) -> None:
        ledger, exits = self.scene.ledger, self.exits
        address = chain.hops[hop]
        if exits is not None and exits.convert(block, chain, hop, self._act):
            return  # swapped to ether; this hop acts again once the ether is there
        asset = chain.asset
        held = chain.carried if asset == Asset.ETH else ledger.spendable(address, Asset.USDT, block)
        if self.noisy is not None:
            self.scene.confounding.mark(NOISY_PEELS, address)
        mixed = exits.mix(block, chain, hop, held) if exits is not None else 0
        if hop == len(chain.hops) - 1:
            if chain.end_to is not None and held > mixed:
                ref = ledger.move(block, asset, address, chain.end_to, held - mixed)
                chain.end = Peel(hop, address, chain.end_to, chain.end_kind, held - mixed, ref, asset)
                self._mark_deposit(chain.end)
            return
        low, high = self.scene.config.peel_keep
        rest = self.scene.portion(held, 1 - high, 1 - low)  # what this hop peels off
        if self.noisy is not None:
            rest = self._noisy_rest(self.noisy, held)
        unit = PEEL_GRANULE[asset]
        peel = 0 if mixed else min(max(unit, (rest + unit // 2) // unit * unit), held // 2)
        forward = held - peel - mixed
        branch = self._branch(block, chain, hop, forward)
        ledger.move(block, asset, address, chain.hops[hop + 1], forward - branch)
        chain.carried = forward - branch
        if peel:
            self.scene.schedule.at(block + self.scene.blocks(0, 20), self._peel, chain, hop, peel, asset)
        self._arrive(block, chain, hop + 1)

    def _noisy_rest(self, noisy: Scene, held: int) -> int:
        """What a noisy hop peels off; the world's first noisy hop forwards at most 65 %."""
        low, high = self.scene.confounding.parameters(NOISY_PEELS, NoisyPeelsParams)["forward"]
        if not self.low_forward_shown:
            self.low_forward_shown = True
            high = min(high, 0.65)
        return noisy.portion(held, 1 - high, 1 - low)

    def _branch(self, block: int, chain: PeelPlan, hop: int, forward: int) -> int:
        """With noisy_peels, sometimes split part of the forward into a branch chain of its own
        (branches and first hops do not split; the world's first chance always does); returns what
        the branch took."""
        noisy = self.noisy
        if noisy is None or chain.is_branch or hop == 0 or chain.asset != Asset.USDT:
            return 0
        shown, self.split_shown = self.split_shown, True  # the world's first chance always splits
        if shown and not noisy.chance(self.scene.confounding.parameters(NOISY_PEELS, NoisyPeelsParams)["split_share"]):
            return 0
        amount = noisy.portion(forward, 0.3, 0.7)
        if amount == 0:
            return 0
        branch = plan_chain(noisy, chain.cluster, chain.hops[hop], chain.feeder, block, chain.mules)
        branch.is_branch = True
        assign_targets(noisy, branch)
        branch.amount = amount
        branch.launch_ref = self.scene.ledger.move(block, Asset.USDT, chain.hops[hop], branch.hops[0], amount)
        chain.branches.append(branch)
        self._arrive(block, branch, 0)
        return amount

    def _peel(self, block: int, chain: PeelPlan, hop: int, amount: int, asset: Asset) -> None:
        src, dst, kind = chain.hops[hop], chain.peel_to[hop], chain.peel_kinds[hop]
        if kind == BRIDGE and self.exits is not None:
            ref = self.exits.bridge_deposit(block, src, amount)
        else:
            ref = self.scene.ledger.move(block, asset, src, dst, amount)
        chain.peels.append(Peel(hop, src, dst, kind, amount, ref, asset))
        self._mark_deposit(chain.peels[-1])

    def _mark_deposit(self, peel: Peel) -> None:
        if self.noisy is not None and peel.kind == DEPOSIT:
            self.scene.confounding.mark(NOISY_PEELS, peel.dst)
