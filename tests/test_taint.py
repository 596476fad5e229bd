"""Taint models: exact integers, conservation, and the README's worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracers.trace.taint import Fifo, Haircut, Poison, ledger_for

MODELS = ["haircut", "fifo", "poison"]


def test_haircut_worked_example():
    """README: 60 from victim A and 40 clean arrive; 50 leave: 30 of it is A's money."""
    ledger = Haircut()
    ledger.receive(60, {"A": 60}, 1)
    ledger.receive(40, {}, 2)
    assert ledger.send(50) == {"A": 30}
    assert ledger.send(50) == {"A": 30}
    assert ledger.taint == {}


def test_fifo_worked_example():
    """README: the first 50 out are the victim's 60 first: 50 of A, then 10 of A and 40 clean."""
    ledger = Fifo()
    ledger.receive(60, {"A": 60}, 1)
    ledger.receive(40, {}, 2)
    assert ledger.send(50) == {"A": 50}
    assert ledger.send(50) == {"A": 10}


def test_poison_worked_example():
    """README: taint leaves first: 50 of A, then the remaining 10 of A."""
    ledger = Poison()
    ledger.receive(40, {}, 1)
    ledger.receive(60, {"A": 60}, 2)
    assert ledger.send(50) == {"A": 50}
    assert ledger.send(50) == {"A": 10}


def test_haircut_rounding_leaves_no_taint_behind_a_fully_tainted_balance():
    ledger = Haircut()
    ledger.receive(1, {"A": 1}, 1)
    ledger.receive(1, {"B": 1}, 1)
    ledger.receive(1, {"C": 1}, 1)
    assert sum(ledger.send(2).values()) == 2  # three thirds of 2 would floor to 0 each
    assert sum(ledger.send(1).values()) == 1
    assert ledger.taint == {}


operations = st.lists(
    st.one_of(
        st.tuples(st.just("in"), st.integers(1, 10**30), st.sampled_from(["", "A", "B", "C"]),
                  st.integers(0, 100)),
        st.tuples(st.just("out"), st.integers(1, 10**30), st.just(""), st.just(0)),
    ),
    max_size=40,
)


@given(st.sampled_from(MODELS), operations)
def test_no_model_creates_or_loses_victim_money(model, ops):
    ledger = ledger_for(model)
    paid_in = carried_out = 0
    for kind, amount, label, share in ops:
        if kind == "in":
            tainted = amount * share // 100 if label else 0
            ledger.receive(amount, {label: tainted} if tainted else {}, 0)
            paid_in += tainted
        else:
            carried = ledger.send(amount)
            assert all(v > 0 for v in carried.values())
            assert sum(carried.values()) <= amount
            carried_out += sum(carried.values())
        assert ledger.tainted() <= ledger.balance
        assert carried_out + ledger.tainted() == paid_in
    assert carried_out <= paid_in


@given(st.sampled_from(MODELS), operations)
def test_overdrafts_move_victim_money_and_never_make_any(model, ops):
    """Outflows named by a key may overdraw; what the next inflows repay goes back to them."""
    ledger = ledger_for(model)
    paid_in = carried_out = repaid = 0
    for n, (kind, amount, label, share) in enumerate(ops):
        if kind == "in":
            tainted = amount * share // 100 if label else 0
            back = ledger.receive(amount, {label: tainted} if tainted else {}, 0)
            assert all(v > 0 for _, part in back for v in part.values())
            repaid += sum(sum(part.values()) for _, part in back)
            paid_in += tainted
        else:
            carried_out += sum(ledger.send(amount, key=n).values())
        assert carried_out + repaid + ledger.tainted() == paid_in


@pytest.mark.parametrize("model", MODELS)
def test_a_consolidator_that_sends_ahead_of_its_sweeps_is_repaid_by_them(model):
    ledger = ledger_for(model)
    ledger.receive(300, {"A": 300}, 1)
    assert ledger.send(1000, key="peel") == {"A": 300}        # 700 more than it held
    assert ledger.receive(500, {"B": 500}, 2) == [("peel", {"B": 500})]
    assert ledger.receive(400, {"C": 400}, 3) == [("peel", {"C": 200})]
    assert ledger.tainted() == 200 and ledger.balance == 200


@pytest.mark.parametrize("model", MODELS)
def test_what_leaves_before_any_victim_money_arrived_owes_nothing(model):
    ledger = ledger_for(model)
    assert ledger.send(50, key="early") == {}
    assert ledger.receive(100, {"A": 100}, 1) == []
    assert ledger.tainted() == 100
