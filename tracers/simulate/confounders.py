"""Named confounders: hard cases a world may switch on, one by one, each with its own parameters.

Each is drawn from a random stream of its own (seed, the pipeline's "confounders" stream, the
confounder's position in CONFOUNDERS), so switching one on or off leaves the others' draws alone;
where a confounder changes a step the scam already draws, the scam's own draw is still made, so
the rest of the scam stays where it was.

- consolidator_profits: consolidators and collection addresses pay victims small fake profits out
  of the victim money they hold (several per victim; a consolidator pays most of its cluster).
- split_sweeps: collections split sweeps across 2-3 consolidators (a cluster gets at least two).
- busy_collection: one collection is paid directly by 30-80 extra small victims, mostly unreported.
- deposit_as_platform: 1-3 extra victims pay straight into a money mule's exchange deposit address.
- exchange_funded_victims: some victims buy USDT minutes before paying nearly all of it on; 1-2 extra
  victims pay straight from an exchange withdrawal (the hot wallet is the sender they report).
- exchange_profits: the operation's exchange account pays victims profits from a hot wallet.
- mule_mixing: mules' deposit addresses also take salaries, friends', shop customers' and own money.
- shared_broker: a second scam group, outside the case, pays into a deposit this case's chain reaches.
- noisy_peels: hops forward 50-95 %, wait minutes to 20 days (some hold 10-25 days), some split in two.
- poison_tiny: look-alike addresses send tiny real USDT to victims and to collections.
- exchange_gas: the operation's exchange account pays gas to some scam addresses.
- swap_then_peel: a peel chain swaps its USDT into ether at an untagged, busy DEX pool (an internal
  ether transfer back in the same transaction; or, on some seeds, WETH it unwraps later), then
  peels ether into fresh mules' exchange deposit addresses.
- mixer_deposits: a hop swaps to ether and deposits fixed notes into a mixer among many unrelated
  depositors; relayers withdraw every note to fresh addresses (internal transfers); the mixer is
  tagged `mixing_service` on some seeds, untagged on the others.
- bridge_deposit: a hop deposits a slice of USDT into a tagged bridge (`defi_bridge`), as many
  unrelated people do.

`confounder_config(seed)` draws a small world with a random combination of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar, cast

import numpy as np

from tracers.simulate.config import CONFOUNDERS, SimulationConfig

(
    CONSOLIDATOR_PROFITS,
    SPLIT_SWEEPS,
    BUSY_COLLECTION,
    DEPOSIT_AS_PLATFORM,
    EXCHANGE_FUNDED_VICTIMS,
    EXCHANGE_PROFITS,
    MULE_MIXING,
    SHARED_BROKER,
    NOISY_PEELS,
    POISON_TINY,
    EXCHANGE_GAS,
    SWAP_THEN_PEEL,
    MIXER_DEPOSITS,
    BRIDGE_DEPOSIT,
) = CONFOUNDERS

_FIRST_DRAWN = CONFOUNDERS.index(SWAP_THEN_PEEL)  # confounders drawn before the sizes




# Each confounder's parameters, as `_DRAW` draws them (and truth.json lists them); [low, high] pairs.
class ConsolidatorProfitsParams(TypedDict):
    victim_share: float
    profits_per_victim: list[int]
    profit_usdt: list[int]
    collection_share: float


class SplitSweepsParams(TypedDict):
    split_share: float
    parts: list[int]


class BusyCollectionParams(TypedDict):
    victims: int
    reported_share: float
    payments: list[int]
    payment_usdt: list[int]


class DepositAsPlatformParams(TypedDict):
    victims: int
    payments: list[int]


class ExchangeFundedVictimsParams(TypedDict):
    fast_share: float
    minutes: list[int]
    direct_victims: int


class ExchangeProfitsParams(TypedDict):
    victim_share: float
    profits: list[int]


class MuleMixingParams(TypedDict):
    mule_share: float
    inflows: list[int]


class SharedBrokerParams(TypedDict):
    victims: int
    hops: int


class NoisyPeelsParams(TypedDict):
    forward: list[float]
    max_delay_days: int
    hold_share: float
    hold_days: list[int]
    split_share: float


class PoisonTinyParams(TypedDict):
    victim_share: float
    collection_share: float
    usdt: list[str]


class ExchangeGasParams(TypedDict):
    share: float


class SwapThenPeelParams(TypedDict):
    usdt_per_eth: int
    via_weth: bool
    background_swaps: int


class MixerDepositsParams(TypedDict):
    tagged: bool
    depositors: int
    relayers: int
    relay_fee_per_mille: int
    usdt_per_eth: int


class BridgeDepositParams(TypedDict):
    destination_chain: str
    depositors: int


Parameters = (
    ConsolidatorProfitsParams | SplitSweepsParams | BusyCollectionParams | DepositAsPlatformParams
    | ExchangeFundedVictimsParams | ExchangeProfitsParams | MuleMixingParams | SharedBrokerParams
    | NoisyPeelsParams | PoisonTinyParams | ExchangeGasParams | SwapThenPeelParams | MixerDepositsParams
    | BridgeDepositParams
)
P = TypeVar("P", bound=Parameters)


def _share(rng: np.random.Generator, low: float, high: float) -> float:
    return round(float(rng.uniform(low, high)), 3)


def _int(rng: np.random.Generator, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1))


_DRAW: dict[str, Callable[[np.random.Generator], Parameters]] = {
    CONSOLIDATOR_PROFITS: lambda rng: {
        "victim_share": _share(rng, 0.7, 1.0),
        "profits_per_victim": [2, _int(rng, 3, 5)],
        "profit_usdt": [_int(rng, 10, 30), _int(rng, 100, 300)],
        "collection_share": _share(rng, 0.3, 0.8),
    },
    SPLIT_SWEEPS: lambda rng: {"split_share": _share(rng, 0.6, 1.0), "parts": [2, 3]},
    BUSY_COLLECTION: lambda rng: {
        "victims": _int(rng, 30, 80),
        "reported_share": _share(rng, 0.05, 0.2),
        "payments": [1, 3],
        "payment_usdt": [_int(rng, 20, 50), _int(rng, 300, 800)],
    },
    DEPOSIT_AS_PLATFORM: lambda rng: {"victims": _int(rng, 1, 3), "payments": [1, 3]},
    EXCHANGE_FUNDED_VICTIMS: lambda rng: {
        "fast_share": _share(rng, 0.2, 0.6),
        "minutes": [1, 30],
        "direct_victims": _int(rng, 1, 2),
    },
    EXCHANGE_PROFITS: lambda rng: {"victim_share": _share(rng, 0.2, 0.6), "profits": [1, 3]},
    MULE_MIXING: lambda rng: {"mule_share": _share(rng, 0.5, 1.0), "inflows": [10, _int(rng, 20, 40)]},
    SHARED_BROKER: lambda rng: {"victims": _int(rng, 4, 12), "hops": _int(rng, 1, 3)},
    NOISY_PEELS: lambda rng: {
        "forward": [_share(rng, 0.5, 0.6), _share(rng, 0.9, 0.95)],
        "max_delay_days": 20,
        "hold_share": _share(rng, 0.1, 0.3),
        "hold_days": [10, 25],
        "split_share": _share(rng, 0.1, 0.3),
    },
    POISON_TINY: lambda rng: {
        "victim_share": _share(rng, 0.3, 0.8),
        "collection_share": _share(rng, 0.3, 0.8),
        "usdt": ["0.001", "0.5"],
    },
    EXCHANGE_GAS: lambda rng: {"share": _share(rng, 0.2, 0.6)},
    SWAP_THEN_PEEL: lambda rng: {
        "usdt_per_eth": _int(rng, 2000, 4000),
        "via_weth": bool(rng.random() < 0.5),
        "background_swaps": _int(rng, 40, 120),
    },
    MIXER_DEPOSITS: lambda rng: {
        "tagged": bool(rng.random() < 0.5),
        "depositors": _int(rng, 30, 80),
        "relayers": _int(rng, 2, 4),
        "relay_fee_per_mille": _int(rng, 1, 5),
        "usdt_per_eth": _int(rng, 2000, 4000),  # the pool's price when swap_then_peel is off
    },
    BRIDGE_DEPOSIT: lambda rng: {
        "destination_chain": ["Arbitrum", "Optimism", "Polygon", "Base"][_int(rng, 0, 3)],
        "depositors": _int(rng, 15, 40),
    },
}


@dataclass
class Confounding:
    """The confounders switched on in a world: their parameters, their random streams, and which
    addresses each touched (scam addresses, deposits, victims) or planted as decoys."""

    params: dict[str, Parameters] = field(default_factory=dict)
    rngs: dict[str, np.random.Generator] = field(default_factory=dict)
    touched: dict[int, set[str]] = field(default_factory=dict)
    decoys: dict[str, set[int]] = field(default_factory=dict)
    feeder_exchange: dict[int, int] = field(default_factory=dict)  # exchange_gas: a cluster's account

    def on(self, name: str) -> bool:
        """Whether the confounder is switched on."""
        return name in self.params

    def any(self) -> bool:
        """Whether any confounder is switched on."""
        return bool(self.params)

    def mark(self, name: str, *addresses: int) -> None:
        """Record that the confounder touched these addresses."""
        for address in addresses:
            self.touched.setdefault(int(address), set()).add(name)

    def decoy(self, name: str, *addresses: int) -> None:
        """Record addresses the confounder planted that are neither perpetrators nor victims."""
        self.decoys.setdefault(name, set()).update(int(a) for a in addresses)

    def parameters(self, name: str, shape: type[P]) -> P:
        """The parameters of a confounder that is on, as `shape`: the TypedDict its `_DRAW` builds."""
        return cast(P, self.params[name])  # `shape` names what `_DRAW[name]` returns

    def names(self, address: int) -> list[str]:
        """The confounders that touched an address, in CONFOUNDERS order."""
        found = self.touched.get(int(address), set())
        return [name for name in CONFOUNDERS if name in found]


def draw_confounding(config: SimulationConfig, stream: int) -> Confounding:
    """Parameters and random streams of the confounders the config switches on."""
    confounding = Confounding()
    for number, name in enumerate(CONFOUNDERS):
        if name in config.confounders:
            rng = np.random.default_rng([config.seed, stream, number])
            confounding.params[name] = _DRAW[name](rng)
            confounding.rngs[name] = rng
    return confounding


def confounder_config(seed: int, **size: object) -> SimulationConfig:
    """A small world with a random combination of confounders, the same for the same seed.

    Each confounder is on with probability 1/2; victims 10-25, users 100-200, transfers 3000-6000,
    days 30-60 (room for long holds). `size` overrides any knob (victims=40, days=28, ...). The
    first eleven confounders and the sizes are drawn as before the later ones joined, so a seed
    keeps its sizes and its choice among those; the later ones are drawn after the sizes.
    """
    rng = np.random.default_rng([seed, 0xC0F])
    on = list(rng.random(_FIRST_DRAWN) < 0.5)
    drawn: dict[str, object] = {
        "victims": _int(rng, 10, 25),
        "users": _int(rng, 100, 200),
        "transfers": _int(rng, 3000, 6000),
        "days": _int(rng, 30, 60),
    }
    on += list(rng.random(len(CONFOUNDERS) - _FIRST_DRAWN) < 0.5)
    drawn["confounders"] = tuple(name for name, picked in zip(CONFOUNDERS, on, strict=True) if picked)
    knobs: dict[str, Any] = {**drawn, **size}  # knobs of several types: SimulationConfig checks each
    return SimulationConfig(seed=seed, **knobs)


def requested_config(seed: int, confounders: str = "", **size: object) -> SimulationConfig:
    """The config a command line asks for. `confounders`: "" for none, "random" for a combination
    drawn with the seed (small sizes, see `confounder_config`), or comma-separated names; `size`
    holds only the knobs given (victims=..., users=...), which override the rest."""
    if confounders.strip() == "random":
        return confounder_config(seed, **size)
    names = tuple(name.strip() for name in confounders.split(",") if name.strip())
    knobs: dict[str, Any] = size  # knobs of several types: SimulationConfig checks each
    return SimulationConfig(seed=seed, confounders=names, **knobs)
