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
"""

from __future__ import annotations

from collections import deque

Taint = dict[str, int]  # label (report id or 'discovered:<victim>') -> base units


class Ledger:
    """One address, one asset."""

    __slots__ = ("balance", "taint", "last_tainted_at")

    def __init__(self) -> None:
        self.balance = 0
        self.taint: Taint = {}
        self.last_tainted_at = None

    def tainted(self) -> int:
        return sum(self.taint.values())

    def receive(self, amount: int, taint: Taint, at) -> None:
        self.balance += amount
        for label, value in taint.items():
            if value:
                self.taint[label] = self.taint.get(label, 0) + value
        if any(taint.values()):
            self.last_tainted_at = at

    def send(self, amount: int) -> Taint:
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

    def send(self, amount: int) -> Taint:
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

    def send(self, amount: int) -> Taint:
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

    def receive(self, amount: int, taint: Taint, at) -> None:
        clean = amount - sum(taint.values())
        for label, value in taint.items():
            if value:
                self.lots.append([value, label])
        if clean > 0:
            self.lots.append([clean, None])
        super().receive(amount, taint, at)

    def send(self, amount: int) -> Taint:
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


MODELS = {"haircut": Haircut, "fifo": Fifo, "poison": Poison}


def ledger_for(model: str) -> Ledger:
    return MODELS[model]()
