"""The world's standing actors: exchanges, tokens, ordinary users and the services around them.

- Exchange: 1-2 publicly tagged hot wallets; the first collects sweeps, any of them pays
  withdrawals. Each customer gets an untagged deposit address of their own. A batch-sweeping
  exchange empties its deposit addresses once a day in one aggregated transfer each.
- Users: ordinary people with an activity weight, a home exchange and a deposit address there
  (a fifth also have one at a second exchange).
- Merchant: a busy legitimate business (untagged) with a deposit address it sweeps into daily.
- OTC desk: an untagged broker trading USDT with many unrelated people.
- Gas rental: an untagged service that sends small ether to thousands of wallets for fees.
- Mixer: a publicly tagged ether mixer with fixed denominations.
- Poisoner and spammer: the bots behind address poisoning and spam-token airdrops.
- Builders: block proposers (the `miner` of each block).
Scam actors are not here: scam.py builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracers.simulate.addresses import AddressBook
from tracers.simulate.chain import USDT_ADDRESS, Asset
from tracers.simulate.config import SimulationConfig

EXCHANGE_NAMES = ("binance", "okx", "huobi", "kucoin", "bybit", "gateio")
EXCHANGE_POPULARITY = np.array([0.36, 0.22, 0.2, 0.1, 0.07, 0.05])


@dataclass(frozen=True)
class Exchange:
    """A custodial exchange: tagged hot wallets; `batch_sweeps` = daily aggregated sweeps."""

    index: int
    name: str
    hot_wallets: tuple[int, ...]
    batch_sweeps: bool

    @property
    def collector(self) -> int:
        """The hot wallet that receives the sweeps of deposit addresses."""
        return self.hot_wallets[0]


@dataclass(frozen=True)
class Token:
    """An ERC-20 contract as tokens.csv describes it."""

    asset: Asset
    address: int
    symbol: str
    name: str
    decimals: int
    total_supply: int


@dataclass(frozen=True)
class Cast:
    """The standing actors; services are None when switched off in the config."""

    exchanges: tuple[Exchange, ...]
    tokens: tuple[Token, ...]
    users: np.ndarray
    user_weight: np.ndarray
    user_exchange: np.ndarray
    user_deposits: np.ndarray
    deposit_ids: np.ndarray
    deposit_exchange: np.ndarray
    merchant: int | None
    merchant_deposit: int | None
    otc: int | None
    rental: int | None
    mixer: int | None
    poisoner: int
    spammer: int
    builders: np.ndarray

    def token(self, asset: Asset) -> Token:
        """The token contract of an asset."""
        return next(token for token in self.tokens if token.asset == asset)

    def exchange_weights(self) -> np.ndarray:
        """How often people pick each exchange."""
        weights = EXCHANGE_POPULARITY[: len(self.exchanges)]
        return weights / weights.sum()

    def hot_wallet_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(first index, count) of each exchange's hot wallets in `hot_wallets()`."""
        counts = np.array([len(exchange.hot_wallets) for exchange in self.exchanges])
        return np.concatenate([[0], np.cumsum(counts)[:-1]]), counts

    def hot_wallets(self) -> np.ndarray:
        """Every hot wallet id, exchange by exchange."""
        return np.array([wallet for exchange in self.exchanges for wallet in exchange.hot_wallets], dtype=np.int32)

    def pick_hot_wallets(self, rng: np.random.Generator, exchange: np.ndarray) -> np.ndarray:
        """A random hot wallet of each given exchange index (for withdrawals)."""
        first, counts = self.hot_wallet_table()
        offset = (rng.random(len(exchange)) * counts[exchange]).astype(np.int64)
        return self.hot_wallets()[first[exchange] + offset]


def build_cast(config: SimulationConfig, rng: np.random.Generator, book: AddressBook) -> Cast:
    """Draw the standing actors of a world."""
    exchanges = tuple(
        Exchange(
            index=index,
            name=EXCHANGE_NAMES[index],
            hot_wallets=tuple(int(a) for a in book.new(rng, 1 + int(rng.random() < 0.5))),
            batch_sweeps=index >= config.exchanges - config.batch_sweep_exchanges,
        )
        for index in range(config.exchanges)
    )
    tokens = (
        Token(Asset.USDT, book.known(USDT_ADDRESS), "USDT", "Tether USD", 6, 96_218_090_523_540_837),
        Token(Asset.FAKE_USDT, book.one(rng), "USDT", "Tether USD", 6, 0),
        Token(Asset.SPAM, book.one(rng), "REWARD", "Claim Reward Token", 18, 2**256 - 1),
    )
    users = book.new(rng, config.users)
    popularity = EXCHANGE_POPULARITY[: config.exchanges] / EXCHANGE_POPULARITY[: config.exchanges].sum()
    user_exchange = rng.choice(config.exchanges, size=config.users, p=popularity)
    first_deposit = book.new(rng, config.users)
    second_exchange = (user_exchange + rng.integers(1, max(config.exchanges, 2), size=config.users)) % config.exchanges
    has_second = (rng.random(config.users) < 0.2) & (config.exchanges > 1)
    second_deposit = np.full(config.users, -1, dtype=np.int32)
    second_deposit[has_second] = book.new(rng, int(has_second.sum()))
    merchant = book.one(rng) if config.merchant else None
    merchant_exchange = int(rng.choice(config.exchanges, p=popularity))
    merchant_deposit = book.one(rng) if config.merchant else None
    deposit_ids = np.concatenate(
        [first_deposit, second_deposit[has_second]] + ([[merchant_deposit]] if merchant else [])
    )
    deposit_exchange = np.concatenate(
        [user_exchange, second_exchange[has_second]] + ([[merchant_exchange]] if merchant else [])
    )
    return Cast(
        exchanges=exchanges,
        tokens=tokens,
        users=users,
        user_weight=rng.lognormal(0.0, 1.0, size=config.users),
        user_exchange=user_exchange,
        user_deposits=np.stack([first_deposit, second_deposit], axis=1),
        deposit_ids=deposit_ids.astype(np.int32),
        deposit_exchange=deposit_exchange.astype(np.int64),
        merchant=merchant,
        merchant_deposit=merchant_deposit,
        otc=book.one(rng) if config.otc_desk else None,
        rental=book.one(rng) if config.gas_rental else None,
        mixer=book.one(rng) if config.mixer else None,
        poisoner=book.one(rng),
        spammer=book.one(rng),
        builders=book.new(rng, 6),
    )
