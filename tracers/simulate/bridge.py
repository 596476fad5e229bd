"""A tagged bridge to another chain (bridge_deposit): USDT locked here, released over there.

A deposit is one call to the bridge that moves the depositor's USDT to it (a token transfer).
Unrelated people use it too. tags.csv names it `defi_bridge`, with the destination in its label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracers.simulate.chain import DAY, HOUR, Asset, Leg, Method
from tracers.simulate.confounders import BRIDGE_DEPOSIT, BridgeDepositParams
from tracers.simulate.scene import Scene


@dataclass
class BridgeDeposit:
    """The case's deposit: who, how much, and its ref."""

    depositor: int
    amount: int
    ref: int


@dataclass
class Bridge:
    """The bridge, where it leads, and the case's deposits."""

    address: int
    destination: str
    deposits: list[BridgeDeposit] = field(default_factory=list)

    def tag(self, book_hex: str) -> tuple[str, str, str, str, str, str]:
        """Its tags.csv row."""
        return (book_hex, f"{self.destination} bridge", "defi_bridge", f"{self.destination.lower()}-bridge",
                "simulated bridge label", "service_data")


def open_bridge(scene: Scene) -> Bridge:
    """The bridge and its crowd of unrelated depositors (`scene` draws from bridge_deposit's stream)."""
    params = scene.confounding.parameters(BRIDGE_DEPOSIT, BridgeDepositParams)
    bridge = Bridge(scene.book.one(scene.rng), str(params["destination_chain"]))
    scene.confounding.decoy(BRIDGE_DEPOSIT, bridge.address)
    for _ in range(int(params["depositors"])):
        who = scene.book.one(scene.rng)
        amount = scene.usdt(int(scene.rng.integers(100 * 100, 30_000 * 100 + 1)))
        block = scene.blocks(DAY, scene.timeline.n_blocks - HOUR)
        scene.withdraw(block - scene.blocks(HOUR, DAY), scene.exchange_for_people(), who, Asset.USDT, amount)
        scene.schedule.at(block, _deposit, scene, bridge, who, amount)
        scene.confounding.decoy(BRIDGE_DEPOSIT, who)
    return bridge


def deposit(scene: Scene, bridge: Bridge, block: int, who: int, amount: int) -> int:
    """The case's hop deposits `amount` USDT; returns the token transfer's ref."""
    ref = _deposit(block, scene, bridge, who, amount)
    bridge.deposits.append(BridgeDeposit(who, amount, ref))
    return ref


def _deposit(block: int, scene: Scene, bridge: Bridge, who: int, amount: int) -> int:
    return scene.ledger.call(block, who, bridge.address, Method.BRIDGE_DEPOSIT,
                             [(Asset.USDT, who, bridge.address, amount, Leg.DIRECT)])[0]
