"""Taint models: how much of an outflow is victim money, per address, in exact integers.

Each address keeps one ledger per asset. Inflows add to the balance, tainted ones also to the
taint of the victims (labels) they carry; an outflow takes its share of taint according to the
model. Integer division only rounds down, so what leaves never exceeds what arrived: attributed
totals can never exceed what victims paid.

- haircut (default): an outflow carries taint in proportion to the address's tainted share of its
  balance at that moment: carried = amount x taint / balance.
- fifo: money leaves in the order it arrived (Clayton's Case, 1816): the outflow consumes the oldest
  lots first, tainted or clean.
- poison (taint-first): every outflow after a tainted inflow is tainted; it carries as much of the
  held taint as it can (min(amount, taint held)), oldest victims first. Over-inclusive by design,
  yet still capped by what victims paid.

Overdrafts: an address that already handled victim money and sends more than the store shows it
holding (a consolidator launching a peel chain ahead of the sweeps that fund it) carries what it
holds, and the inflows that arrive next repay the rest: their taint is handed back to the outflow
that overdrew (the propagation carries it there on its next pass). Taint moves, it is never made.
An outflow before any victim money reached the address carries none, overdrawn or not.
"""

from __future__ import annotations

from collections import deque

from tracers.domain import TaintModel

Taint = dict[str, int]  # label (report id or 'discovered:<victim>') -> base units


class Ledger:
    """One address, one asset."""

    __slots__ = ("balance", "taint", "last_tainted_at", "owed")

    def __init__(self) -> None:
        self.balance = 0
        self.taint: Taint = {}
        self.last_tainted_at = None
        self.owed: deque[list] = deque()  # [flow key, base units sent beyond the balance]

    def tainted(self) -> int:
        return sum(self.taint.values())

    def receive(self, amount: int, taint: Taint, at) -> list[tuple[tuple, Taint]]:
        """Credit an inflow. What repays an earlier overdraft is not credited: it is handed back
        to the outflows that overdrew, with its share of the inflow's taint (returned as
        (flow key, taint) pairs for the propagation to carry on those flows)."""
        repaid: list[tuple[tuple, Taint]] = []
        debt = sum(entry[1] for entry in self.owed)
        if debt and amount:
            repay = min(amount, debt)
            left_taint = {label: value * repay // amount for label, value in taint.items() if value}
            taint = {label: value - left_taint.get(label, 0) for label, value in taint.items()}
            left = repay
            while left and self.owed:
                entry = self.owed[0]
                take = min(entry[1], left)
                share = left_taint if take == left else {k: v * take // left for k, v in left_taint.items()}
                left_taint = {k: v - share.get(k, 0) for k, v in left_taint.items()}
                repaid.append((entry[0], {k: v for k, v in share.items() if v}))
                entry[1] -= take
                left -= take
                if entry[1] == 0:
                    self.owed.popleft()
            amount -= repay
        self._credit(amount, taint, at)
        return [(key, part) for key, part in repaid if part]

    def _credit(self, amount: int, taint: Taint, at) -> None:
        self.balance += amount
        for label, value in taint.items():
            if value:
                self.taint[label] = self.taint.get(label, 0) + value
        if any(taint.values()):
            self.last_tainted_at = at

    def send(self, amount: int, key: tuple | None = None) -> Taint:
        """Debit an outflow; the taint it carries. An address that already handled victim money
        and sends more than its balance overdraws: the next inflows repay it. Before any victim
        money arrived, nothing that leaves can carry any (the rest is history the store lacks)."""
        shortfall = amount - self.balance
        carried = self._debit(amount)
        if shortfall > 0 and key is not None and self.last_tainted_at is not None:
            self.owed.append([key, shortfall])
        return carried

    def _debit(self, amount: int) -> Taint:
        raise NotImplementedError

    def _take(self, carried: Taint) -> Taint:
        for label, value in carried.items():
            left = self.taint[label] - value
            if left:
                self.taint[label] = left
            else:
                del self.taint[label]
        return {k: v for k, v in carried.items() if v}


class Haircut(Ledger):
    __slots__ = ()

    def _debit(self, amount: int) -> Taint:
        # The store may not hold the address's whole history: money it had before is clean.
        balance = max(self.balance, amount)
        if not balance:
            return {}
        carried = {label: amount * value // balance for label, value in self.taint.items()}
        self.balance = balance - amount
        # Rounding down must not leave more taint behind than money: hand the few base units
        # that rounding kept to the labels with the largest remainders (ties by label).
        short = (self.tainted() - sum(carried.values())) - self.balance
        if short > 0:
            order = sorted(self.taint, key=lambda k: (-(amount * self.taint[k] % balance), k))
            for label in order:
                if short == 0:
                    break
                room = self.taint[label] - carried[label]
                extra = min(room, short)
                carried[label] += extra
                short -= extra
        return self._take(carried)


class Poison(Ledger):
    __slots__ = ()

    def _debit(self, amount: int) -> Taint:
        left = amount
        carried: Taint = {}
        for label, value in list(self.taint.items()):  # insertion order: oldest victim first
            if left == 0:
                break
            take = min(value, left)
            carried[label] = take
            left -= take
        self.balance = max(self.balance - amount, 0)
        return self._take(carried)


class Fifo(Ledger):
    __slots__ = ("lots",)

    def __init__(self) -> None:
        super().__init__()
        self.lots: deque[list] = deque()  # [amount, label or None]

    def _credit(self, amount: int, taint: Taint, at) -> None:
        clean = amount - sum(taint.values())
        for label, value in taint.items():
            if value:
                self.lots.append([value, label])
        if clean > 0:
            self.lots.append([clean, None])
        super()._credit(amount, taint, at)

    def _debit(self, amount: int) -> Taint:
        left = amount
        carried: Taint = {}
        while left and self.lots:
            lot = self.lots[0]
            take = min(lot[0], left)
            if lot[1] is not None:
                carried[lot[1]] = carried.get(lot[1], 0) + take
            lot[0] -= take
            left -= take
            if lot[0] == 0:
                self.lots.popleft()
        self.balance = max(self.balance - amount, 0)
        return self._take(carried)


MODELS = {TaintModel.haircut: Haircut, TaintModel.fifo: Fifo, TaintModel.poison: Poison}


def ledger_for(model: str) -> Ledger:
    return MODELS[TaintModel(model)]()
