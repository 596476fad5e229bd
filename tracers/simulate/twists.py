"""Confounders that change steps the scam already takes: how sweeps go, where profits come from,
how victims buy their USDT (confounders.py describes each).

Every draw comes from the confounder's own stream; when a confounder is off its hook changes
nothing and draws nothing.
"""

from __future__ import annotations

from tracers.simulate.chain import HOUR, USDT_UNIT, Asset
from tracers.simulate.confounders import (
    CONSOLIDATOR_PROFITS,
    EXCHANGE_FUNDED_VICTIMS,
    EXCHANGE_PROFITS,
    SPLIT_SWEEPS,
    ConsolidatorProfitsParams,
    ExchangeFundedVictimsParams,
    ExchangeProfitsParams,
    SplitSweepsParams,
)
from tracers.simulate.records import Cluster, Payment, Profit, Sweep, Victim, cents
from tracers.simulate.scene import Scene

MINUTE_BLOCKS = 5  # 12-second blocks


class Twists:
    """The scam's hooks for the confounders that bend its own steps."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.confounding = scene.confounding
        self._fast: dict[int, bool] = {}

    def add_consolidators(self, cluster: Cluster) -> None:
        """split_sweeps: fresh consolidators, with gas, so that a cluster has at least two."""
        if not self.confounding.on(SPLIT_SWEEPS) or len(cluster.consolidators) >= 2:
            return
        split = self.scene.under(SPLIT_SWEEPS)
        for address in split.book.new(split.rng, 2 - len(cluster.consolidators)):
            cluster.consolidators.append(int(address))
            split.gas(cluster.start - split.blocks(HOUR, 10 * HOUR), cluster.feeder, int(address))

    def extra_gas_budget(self) -> int:
        """Ether a feeder needs on top of its budget when confounders add scam addresses."""
        return 2 * 10**18 if self.confounding.any() else 0

    def fast_buy(self, victim: Victim, payment: Payment, extra: int, bought: int) -> tuple[int, int]:
        """exchange_funded_victims: some victims buy minutes before paying, nearly the whole
        amount; returns (what they buy on top of the payment, the block they buy in)."""
        if not self.confounding.on(EXCHANGE_FUNDED_VICTIMS) or payment.asset != Asset.USDT:
            return extra, bought
        funded = self.scene.under(EXCHANGE_FUNDED_VICTIMS)
        params = self.confounding.parameters(EXCHANGE_FUNDED_VICTIMS, ExchangeFundedVictimsParams)
        if victim.index not in self._fast:
            self._fast[victim.index] = funded.chance(float(params["fast_share"]))
        if not self._fast[victim.index]:
            return extra, bought
        self.confounding.mark(EXCHANGE_FUNDED_VICTIMS, victim.address)
        low, high = params["minutes"]
        return funded.portion(payment.amount, 0.0, 0.01), payment.block - funded.blocks(
            low * MINUTE_BLOCKS, high * MINUTE_BLOCKS + 1
        )

    def collection_profit(self, victim: Victim, payment: Payment, sweep_block: int, amount: int) -> int:
        """consolidator_profits: the collection pays the victim a small profit out of a payment
        before sweeping it; returns what it paid."""
        if not self.confounding.on(CONSOLIDATOR_PROFITS) or sweep_block - payment.block < 2:
            return 0
        profits = self.scene.under(CONSOLIDATOR_PROFITS)
        params = self.confounding.parameters(CONSOLIDATOR_PROFITS, ConsolidatorProfitsParams)
        if not profits.chance(params["collection_share"]):
            return 0
        paid = min(cents(profits.portion(amount, 0.01, 0.05)), amount // 2)
        if paid == 0:
            return 0
        profit = Profit(payment.block + profits.blocks(1, sweep_block - payment.block), paid, payment.collection)
        victim.profits.append(profit)
        self.scene.schedule.at(profit.block, self._pay_profit, victim, profit, True)
        self.confounding.mark(CONSOLIDATOR_PROFITS, payment.collection, victim.address)
        return paid

    def split(self, cluster: Cluster, collection: int, consolidator: int, block: int, amount: int) -> list[Sweep]:
        """split_sweeps: the sweep goes to 2-3 consolidators of the cluster, minutes apart."""
        whole = [Sweep(block, collection, consolidator, amount)]
        others = [c for c in cluster.consolidators if c != consolidator]
        if not self.confounding.on(SPLIT_SWEEPS) or not others or amount < 2 * USDT_UNIT:
            return whole
        split = self.scene.under(SPLIT_SWEEPS)
        params = self.confounding.parameters(SPLIT_SWEEPS, SplitSweepsParams)
        if not split.chance(float(params["split_share"])):
            return whole
        low, high = params["parts"]
        count = min(int(split.rng.integers(low, high + 1)), len(others) + 1)
        picks = split.rng.choice(len(others), size=count - 1, replace=False)
        receivers = [consolidator, *(others[int(p)] for p in picks)]
        sweeps, left = [], amount
        for number, receiver in enumerate(receivers):
            part = left if number == count - 1 else split.portion(left, 0.3, 0.7)
            sweeps.append(Sweep(block + number * split.blocks(1, 30), collection, receiver, part))
            left -= part
        self.confounding.mark(SPLIT_SWEEPS, collection, *receivers)
        return sweeps

    def consolidator_profits(self, clusters: list[Cluster], victims: list[Victim]) -> None:
        """consolidator_profits: consolidators pay most victims of their cluster several small
        profits, each minutes after a sweep reached them (paid only if they still hold enough)."""
        if not self.confounding.on(CONSOLIDATOR_PROFITS):
            return
        profits = self.scene.under(CONSOLIDATOR_PROFITS)
        params = self.confounding.parameters(CONSOLIDATOR_PROFITS, ConsolidatorProfitsParams)
        low, high = params["profits_per_victim"]
        usd_low, usd_high = params["profit_usdt"]
        for cluster in clusters:
            arrivals = sorted((s.block, s.dst) for s in cluster.sweeps)
            own = [v for v in victims if v.cluster == cluster.index]
            for victim in own:
                if not arrivals or not profits.chance(float(params["victim_share"])):
                    continue
                for _ in range(int(profits.rng.integers(low, high + 1))):
                    block, consolidator = arrivals[int(profits.rng.integers(len(arrivals)))]
                    amount = int(profits.rng.integers(usd_low * 100, usd_high * 100 + 1)) * (USDT_UNIT // 100)
                    profit = Profit(block + profits.blocks(2, 200), amount, consolidator)
                    self.scene.schedule.at(profit.block, self._pay_profit, victim, profit, False)

    def exchange_profits(self, clusters: list[Cluster], victims: list[Victim], first_payment: dict[int, int]) -> None:
        """exchange_profits: the operation's exchange account pays some victims 1-3 profits."""
        if not self.confounding.on(EXCHANGE_PROFITS):
            return
        paying = self.scene.under(EXCHANGE_PROFITS)
        params = self.confounding.parameters(EXCHANGE_PROFITS, ExchangeProfitsParams)
        low, high = params["profits"]
        end = self.scene.timeline.n_blocks - 2 * 24 * HOUR
        for victim in victims:
            if victim.index not in first_payment or not paying.chance(float(params["victim_share"])):
                continue
            start = first_payment[victim.index]
            exchange = clusters[victim.cluster].exchange
            wallets = self.scene.cast.exchanges[exchange].hot_wallets
            for _ in range(int(paying.rng.integers(low, high + 1))):
                hot = wallets[int(paying.rng.integers(len(wallets)))]
                amount = int(paying.rng.integers(20, 400)) * USDT_UNIT
                profit = Profit(start + paying.blocks(HOUR, max(2 * HOUR, end - start)), amount, hot)
                victim.profits.append(profit)
                self.scene.schedule.at(profit.block, self._pay_profit, victim, profit, True)
            self.confounding.mark(EXCHANGE_PROFITS, victim.address)

    def _pay_profit(self, block: int, victim: Victim, profit: Profit, planned: bool) -> None:
        """Pay a profit; an unplanned one (already listed when planned) is paid, and listed, only
        when the payer holds twice the amount."""
        ledger = self.scene.ledger
        if not planned:
            if ledger.spendable(profit.source, Asset.USDT, block) < 2 * profit.amount:
                return
            victim.profits.append(profit)
            self.confounding.mark(CONSOLIDATOR_PROFITS, profit.source, victim.address)
        profit.ref = ledger.move(block, Asset.USDT, profit.source, victim.address, profit.amount)
