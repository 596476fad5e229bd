"""The knobs of a simulated world, checked once at the boundary."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from tracers.errors import TracersError


class SimulationConfigError(TracersError, ValueError):
    """A knob is out of range; the message names the knob and the range it accepts."""


# The named confounders a world may switch on (confounders.py says what each does).
CONFOUNDERS = (
    "consolidator_profits",
    "split_sweeps",
    "busy_collection",
    "deposit_as_platform",
    "exchange_funded_victims",
    "exchange_profits",
    "mule_mixing",
    "shared_broker",
    "noisy_peels",
    "poison_tiny",
    "exchange_gas",
    "swap_then_peel",
    "mixer_deposits",
    "bridge_deposit",
)


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that shapes a world; the same config always gives byte-identical files.

    Sizes: `victims`, `users` (ordinary people behind the background traffic), `transfers` (the
    target number of value transfers in the whole world: token transfers plus native ether
    transactions, failed ones included; the scam part is what it is, the background fills up to
    the target), `days` of chain history.
    Scam shape: `clusters` (0 picks one per 20 victims, 1 to 3), and per cluster the ranges of
    `consolidators`, `peel_chains` per consolidator, `peel_hops` per chain and `peel_keep`, the
    share of its balance each hop forwards. Victim behaviour: `unreported_share` never report,
    `rotated_collection_share` are moved to a second collection address, `eth_payment_share` pay
    one instalment in ether, `at_rest_victim_share` see their last payment left unswept,
    `poisoned_victim_share` are targeted by address poisoning (every share above 0 yields at
    least one such victim; at least one victim always reports, so the deliberately wrong reports
    have someone to come from). `mule_own_money_share` of the
    money mules also deposit their own money into the deposit address the scam uses.
    Services and noise: `exchanges` (1 to 6), `batch_sweep_exchanges` (how many of them sweep
    deposit addresses once a day in one aggregated transfer), the `otc_desk`, `merchant`,
    `gas_rental` and `mixer` toggles, `failed_share` of native ether transactions that fail,
    `spam_share` of transfers that are spam-token airdrops.
    Confounders: `confounders` names the hard cases switched on (any of CONFOUNDERS, each at most
    once; confounders.py describes them); none by default.
    """

    seed: int = 7
    victims: int = 40
    users: int = 400
    transfers: int = 20_000
    days: int = 28
    genesis: str = "2026-01-05T00:00:00Z"
    first_block: int = 21_000_000
    exchanges: int = 4
    batch_sweep_exchanges: int = 1
    clusters: int = 0
    consolidators: tuple[int, int] = (1, 3)
    peel_chains: tuple[int, int] = (1, 2)
    peel_hops: tuple[int, int] = (3, 8)
    peel_keep: tuple[float, float] = (0.80, 0.97)
    unreported_share: float = 0.3
    rotated_collection_share: float = 0.2
    eth_payment_share: float = 0.1
    at_rest_victim_share: float = 0.15
    poisoned_victim_share: float = 0.5
    mule_own_money_share: float = 0.5
    otc_desk: bool = True
    merchant: bool = True
    gas_rental: bool = True
    mixer: bool = True
    failed_share: float = 0.005
    spam_share: float = 0.02
    confounders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _at_least("seed", self.seed, 0)
        _at_least("victims", self.victims, 1)
        _at_least("users", self.users, 10)
        _at_least("transfers", self.transfers, 0)
        _at_least("days", self.days, 14)
        _at_least("first_block", self.first_block, 1)
        _within("exchanges", self.exchanges, 1, 6)
        _within("batch_sweep_exchanges", self.batch_sweep_exchanges, 0, self.exchanges)
        _within("clusters", self.clusters, 0, 3)
        _int_range("consolidators", self.consolidators, 1)
        _int_range("peel_chains", self.peel_chains, 1)
        _int_range("peel_hops", self.peel_hops, 2)
        low, high = self.peel_keep
        if not 0.5 <= low <= high < 1.0:
            raise SimulationConfigError(
                f"peel_keep must be (low, high) with 0.5 <= low <= high < 1, got {self.peel_keep}"
            )
        for name in (
            "unreported_share",
            "rotated_collection_share",
            "eth_payment_share",
            "at_rest_victim_share",
            "poisoned_victim_share",
            "mule_own_money_share",
            "failed_share",
            "spam_share",
        ):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise SimulationConfigError(f"{name} must be a share between 0 and 1, got {share}")
        _confounders(self.confounders)
        self.genesis_timestamp  # noqa: B018 - fails fast on a bad date

    @property
    def genesis_timestamp(self) -> int:
        """Unix seconds of the first block."""
        try:
            moment = datetime.strptime(self.genesis, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise SimulationConfigError(
                f"genesis must look like 2026-01-05T00:00:00Z (UTC), got {self.genesis!r}"
            ) from None
        return int(moment.timestamp())

    @property
    def cluster_count(self) -> int:
        """Scam clusters in the world: as configured, or one per 20 victims (1 to 3)."""
        wanted = self.clusters or max(1, min(3, self.victims // 20))
        return min(wanted, self.victims)

    def as_json(self) -> dict[str, object]:
        """The knobs as plain JSON values (tuples become lists)."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}


def _at_least(name: str, value: int, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise SimulationConfigError(f"{name} must be an integer >= {low}, got {value!r}")


def _within(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SimulationConfigError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _int_range(name: str, pair: tuple[int, int], low: int) -> None:
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair) or not low <= pair[0] <= pair[1]:
        raise SimulationConfigError(f"{name} must be (low, high) integers with {low} <= low <= high, got {pair!r}")


def _confounders(names: tuple[str, ...]) -> None:
    if isinstance(names, str) or not isinstance(names, tuple):
        raise SimulationConfigError(f"confounders must be a tuple of names, got {names!r}")
    for name in names:
        if name not in CONFOUNDERS:
            raise SimulationConfigError(
                f"unknown confounder {name!r}; valid names: {', '.join(CONFOUNDERS)}"
            )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SimulationConfigError(f"confounders name {', '.join(repeated)} more than once")
