"""Each rule on tiny hand-built graphs: what it finds, what it must not, and the confounder that
fooled the degree-threshold rules it replaced (worlds built by others)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MiniChain, write_csv
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.heuristics.roles import Claim, RoleBook
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.store import connect
from tracers.tags import import_tag_files
from tracers.trace import trace_case

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CASE = "K-RULES"
U = 1_000_000  # one USDT in base units


def addr(n: int) -> str:
    return "0x" + f"{n:040x}"


VICTIM, SCAM, HOT, HOT2 = addr(1), addr(2), addr(5), addr(6)


def case(con, tmp_path, chain: MiniChain, payments: list[tuple[str, str, str, int]], hot=(HOT, HOT2)):
    """Import the chain, tag the hot wallets as binance, report (tx, victim, scam address, amount)."""
    import_etl(con, chain.write())
    tags = tmp_path / "tags.csv"
    tags.write_text("address,label,category,actor\n" + "".join(f"{h},Binance,exchange,binance\n" for h in hot))
    assert import_tag_files(con, [tags]).ok
    open_case(con, CASE)
    rows = [{"report_id": f"R{i}", "reported_at": "2026-06-01", "chain": "ethereum", "asset": "USDT",
             "tx_hash": tx, "victim_address": victim, "scam_address": scam,
             "amount": f"{amount / U:f}".rstrip("0").rstrip(".")}
            for i, (tx, victim, scam, amount) in enumerate(payments)]
    summary = import_reports(con, CASE, write_csv(tmp_path / "reports.csv", list(REPORT_COLUMNS), rows))
    assert summary.refused == 0, [r.refusal for r in summary.verdicts]
    return trace_case(con, CASE)


def roles(con, run) -> dict[str, tuple[str, str]]:
    rows = con.execute("SELECT address, role, subrole FROM trace_addresses WHERE run_id = ?", [run.run_id]).fetchall()
    return {a: (r, s) for a, r, s in rows}


def traced_into(con, run, address: str) -> int:
    value = con.execute("SELECT CAST(sum(traced_amount) AS VARCHAR) FROM trace_flows WHERE run_id = ? AND to_address = ?",
                        [run.run_id, address]).fetchall()[0][0]
    return int(value or 0)


def consolidator_world(c: MiniChain, profits: int, split: bool) -> tuple[list, dict]:
    """Victims pay five collections (one reported); the collections sweep into a consolidator (or
    split each sweep across two); the consolidator pays `profits` victims a fake profit each,
    then walks the money to a deposit address of Binance."""
    cons, cons2, deposit = addr(40), addr(41), addr(42)
    collections = [SCAM] + [addr(20 + i) for i in range(4)]
    victims = [VICTIM] + [addr(60 + i) for i in range(4)]
    reported = []
    for i, (victim, collection) in enumerate(zip(victims, collections)):
        c.pay_token(USDT, HOT, victim, 1_000 * U)            # bought at the exchange
        c.new_block()
        tx, _ = c.pay_token(USDT, victim, collection, 1_000 * U)
        if i == 0:
            reported.append((tx, victim, collection, 1_000 * U))
        c.new_block()
        if split:
            c.pay_token(USDT, collection, cons, 600 * U)
            c.pay_token(USDT, collection, cons2, 400 * U)
        else:
            c.pay_token(USDT, collection, cons, 1_000 * U)
        c.new_block()
    for i in range(profits):                                 # profits to many other people
        c.pay_token(USDT, cons, addr(500 + i), 1 * U)
    if split:
        c.pay_token(USDT, cons2, cons, 2_000 * U)
    c.new_block()
    c.pay_token(USDT, cons, deposit, 5_000 * U - profits * U)
    c.new_block()
    c.pay_token(USDT, deposit, HOT2, 5_000 * U - profits * U)
    return reported, {"cons": cons, "cons2": cons2, "deposit": deposit, "collections": collections,
                      "victims": victims}


@pytest.mark.parametrize("split", [False, True])
def test_a_consolidator_that_pays_dozens_of_profits_is_the_scam_not_a_service(con, tmp_path, mini_chain, split):
    reported, world = consolidator_world(mini_chain, profits=40, split=split)
    run = case(con, tmp_path, mini_chain, reported)
    r = roles(con, run)
    assert r[world["cons"]][0] == "perpetrator"
    assert r[world["deposit"]] == ("deposit_wallet", None)
    assert all(r[a][0] == "perpetrator" for a in world["collections"]), "collections found by fan-in"
    assert all(r[v][0] == "victim" for v in world["victims"]), "their payers are victims"
    assert HOT not in r or r[HOT][0] == "exchange", "the exchange that funded victims is never a victim"
    assert traced_into(con, run, world["deposit"]) == 5_000 * U - 40 * U


def test_a_desk_paid_mostly_by_its_own_customers_is_a_service(con, tmp_path, mini_chain):
    c, desk = mini_chain, addr(70)
    for i in range(30):                                      # customers withdraw and pay the desk
        c.pay_token(USDT, HOT, addr(300 + i), 200 * U)
        c.pay_token(USDT, addr(300 + i), desk, 150 * U)
        c.pay_token(USDT, addr(300 + i), addr(400 + i), 50 * U)
    c.new_block()
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 500 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, desk, 500 * U)
    c.new_block()
    c.pay_token(USDT, desk, addr(450), 2_000 * U)
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 500 * U)])
    r = roles(con, run)
    assert r[desk] == ("service", "absorbs_case_money")
    assert addr(450) not in r
    detail = con.execute("SELECT detail, params FROM findings WHERE run_id = ? AND address = ? AND rule = 'service'",
                         [run.run_id, desk]).fetchall()
    assert detail and "10 %" in detail[0][0] and json.loads(detail[0][1])["max_case_share"] == 0.5


def test_a_mule_wallet_with_a_salary_is_followed_to_its_deposit(con, tmp_path, mini_chain):
    """Mostly the mule's own money, but a handful of payers: a person's wallet, not a service."""
    c, mule, deposit = mini_chain, addr(80), addr(81)
    c.pay_token(USDT, addr(90), mule, 3_000 * U)             # salary
    c.pay_token(USDT, addr(91), mule, 1_000 * U)             # a friend
    c.new_block()
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 1_000 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, mule, 1_000 * U)
    c.new_block()
    c.pay_token(USDT, mule, deposit, 5_000 * U)
    c.new_block()
    c.pay_token(USDT, deposit, HOT, 5_000 * U)
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 1_000 * U)])
    r = roles(con, run)
    assert r[mule][0] == "perpetrator" and r[deposit][0] == "deposit_wallet"
    assert traced_into(con, run, deposit) == 1_000 * U      # only the victim's share, not the salary


def test_victims_who_buy_at_an_exchange_and_pay_within_minutes_are_not_collections(con, tmp_path, mini_chain):
    """Two victims sweep all they withdrew into a reported scam address: neither becomes a
    collection, the exchange that funded them is never a victim, and the run does not crash."""
    c = mini_chain
    payments = []
    for victim in (VICTIM, addr(11)):
        c.pay_token(USDT, HOT, victim, 700 * U)
        c.new_block()
        tx, _ = c.pay_token(USDT, victim, SCAM, 700 * U)
        payments.append((tx, victim, SCAM, 700 * U))
        c.new_block()
    c.pay_token(USDT, SCAM, addr(12), 1_400 * U)
    c.new_block()
    c.pay_token(USDT, addr(12), HOT2, 1_400 * U)
    run = case(con, tmp_path, c, payments)
    r = roles(con, run)
    assert r[VICTIM] == ("victim", "reported") and r[addr(11)] == ("victim", "reported")
    assert HOT not in r and r[SCAM] == ("perpetrator", "collection")
    assert r[addr(12)][0] == "deposit_wallet"


def test_unreported_victims_who_withdraw_and_pay_a_collection_are_discovered_not_clustered(con, tmp_path, mini_chain):
    c = mini_chain
    c.pay_token(USDT, HOT, addr(11), 300 * U)
    c.new_block()
    c.pay_token(USDT, addr(11), SCAM, 300 * U)               # unreported, exchange-funded
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 700 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, addr(12), 1_000 * U)
    c.new_block()
    c.pay_token(USDT, addr(12), HOT2, 1_000 * U)
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 700 * U)])
    r = roles(con, run)
    assert r[addr(11)] == ("victim", "discovered") and HOT not in r
    assert traced_into(con, run, addr(12)) == 1_000 * U


def test_a_reported_scam_address_that_is_a_mules_deposit_address_is_the_cash_out(con, tmp_path, mini_chain):
    c, deposit = mini_chain, addr(30)
    tx, _ = c.pay_token(USDT, VICTIM, deposit, 2_000 * U)
    c.pay_token(USDT, addr(31), deposit, 500 * U)            # the mule's own money
    c.new_block()
    c.pay_token(USDT, deposit, HOT, 2_500 * U)
    run = case(con, tmp_path, c, [(tx, VICTIM, deposit, 2_000 * U)])
    r = roles(con, run)
    assert r[deposit] == ("deposit_wallet", None) and addr(31) not in r
    assert traced_into(con, run, deposit) == 2_000 * U
    review = con.execute("SELECT detail FROM findings WHERE run_id = ? AND kind = 'review' AND address = ?",
                         [run.run_id, deposit]).fetchall()
    assert review and "deposit_wallet by deposit_address" in review[0][0] and "reported_scam_address" in review[0][0]


def test_a_payment_straight_from_an_exchange_withdrawal_is_victim_money_but_the_exchange_no_victim(
        con, tmp_path, mini_chain):
    c = mini_chain
    c.pay_token(USDT, HOT, SCAM, 400 * U)                    # a victim pays straight from the exchange
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 600 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, addr(12), 1_000 * U)
    c.new_block()
    c.pay_token(USDT, addr(12), HOT2, 1_000 * U)
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 600 * U)])
    r = roles(con, run)
    assert HOT not in r
    assert traced_into(con, run, addr(12)) == 1_000 * U


def test_tiny_look_alike_payments_into_a_collection_make_no_victims(con, tmp_path, mini_chain):
    c = mini_chain
    lookalike = "0x" + "00" * 19 + "f2"
    c.pay_token(USDT, lookalike, SCAM, 10_000)               # 0.01 USDT: poisoning, not an investment
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 600 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, addr(12), 600 * U)
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 600 * U)])
    assert lookalike not in roles(con, run)


def gas_funded_chain(c: MiniChain, funder: str, extra: str) -> list:
    """`funder` pays gas to the scam address, three hops and `extra`; the victim's money walks the hops."""
    hops = [addr(20 + i) for i in range(3)]
    for funded in [SCAM, *hops, extra]:
        c.pay_ether(funder, funded, 10**16)
    c.new_block()
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 1_000 * U)
    previous = SCAM
    for hop in hops:
        c.new_block()
        c.pay_token(USDT, previous, hop, 1_000 * U)
        previous = hop
    return [(tx, VICTIM, SCAM, 1_000 * U)]


def test_an_exchange_paying_gas_to_scam_addresses_is_not_the_gas_feeder(con, tmp_path, mini_chain):
    """The operation withdraws ether for gas from its exchange account: no cluster link through it."""
    run = case(con, tmp_path, mini_chain, gas_funded_chain(mini_chain, HOT, addr(99)))
    r = roles(con, run)
    assert HOT not in r and addr(99) not in r
    assert not con.execute("SELECT 1 FROM findings WHERE run_id = ? AND rule = 'gas_feeder'", [run.run_id]).fetchall()


def test_an_operator_feeder_is_found_and_what_it_funded_joins_the_cluster(con, tmp_path, mini_chain):
    feeder = addr(77)
    run = case(con, tmp_path, mini_chain, gas_funded_chain(mini_chain, feeder, addr(29)))
    r = roles(con, run)
    assert r[feeder] == ("perpetrator", "gas_feeder") and r[addr(29)] == ("perpetrator", "co_funded")


def profit_world(c: MiniChain, payer: str, after: bool, others: int) -> list:
    """Three victims pay the scam address; `payer` (funded from the exchange) pays each of them
    a small amount, after their payment or before it, and pays `others` unrelated people too."""
    c.pay_token(USDT, HOT, payer, 1_000 * U)
    victims = [VICTIM, addr(11), addr(12)]
    reported = []
    for victim in victims:
        if not after:
            c.pay_token(USDT, payer, victim, 60 * U)
        c.new_block()
        tx, _ = c.pay_token(USDT, victim, SCAM, 500 * U)
        reported.append((tx, victim, SCAM, 500 * U))
        c.new_block()
        if after:
            c.pay_token(USDT, payer, victim, 60 * U)
    for i in range(others):
        c.pay_token(USDT, payer, addr(600 + i), 5 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, addr(30), 1_500 * U)
    return reported


def test_an_address_paying_victims_profits_after_they_paid_is_the_payout(con, tmp_path, mini_chain):
    payout = addr(80)
    run = case(con, tmp_path, mini_chain, profit_world(mini_chain, payout, after=True, others=1))
    assert roles(con, run)[payout] == ("perpetrator", "payout")
    detail = con.execute("SELECT detail, tx_hashes FROM findings WHERE run_id = ? AND rule = 'profit_payer'",
                         [run.run_id]).fetchall()
    assert detail and "3 of the case's victims" in detail[0][0] and len(detail[0][1]) == 3


@pytest.mark.parametrize("after, others", [(False, 0), (True, 5)], ids=["sells_before_they_pay", "pays_many_others"])
def test_a_seller_to_victims_or_a_payer_of_many_others_is_no_payout(con, tmp_path, mini_chain, after, others):
    """An OTC seller paid before the victims pay the scam; an employer paying many people, some of
    whom are victims: neither pays mostly the case's victims after they paid."""
    payer = addr(80)
    run = case(con, tmp_path, mini_chain, profit_world(mini_chain, payer, after=after, others=others))
    assert payer not in roles(con, run)


def test_the_strongest_claim_names_an_address_and_the_others_are_kept():
    book = RoleBook()
    book.claim("a", Claim("perpetrator", "followed", ("row-perp",), ["f1"]))
    book.claim("a", Claim("victim", "discovered", ("row-victim",), ["f2"]))
    book.claim("b", Claim("exchange", "tagged_service", ("row-exchange",), ["f3"]))
    book.claim("b", Claim("victim", "discovered", ("row-victim-b",), ["f4"]))
    book.claim("c", Claim("perpetrator", "fan_in", ("row-c",), []))
    book.claim("c", Claim("perpetrator", "co_funded", ("row-c2",), []))
    resolved = {a: (w.row, [l.role for l in losers]) for a, w, losers in book.resolve()}
    assert resolved == {"a": (("row-victim",), ["perpetrator"]), "b": (("row-exchange",), ["victim"]),
                        "c": (("row-c",), [])}


# Random role conflicts: tags, reports and money on small graphs may say anything about anyone.
NODES = [addr(i) for i in range(1, 9)]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    edges=st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES), st.integers(1, 5_000)),
                   min_size=1, max_size=25),
    tagged=st.sets(st.sampled_from(NODES), max_size=3),
    reports=st.lists(st.integers(0, 24), min_size=1, max_size=4),
    victims=st.lists(st.sampled_from(NODES), min_size=4, max_size=4),
)
def test_conflicting_evidence_never_crashes_and_each_address_has_one_role(tmp_path_factory, edges, tagged,
                                                                          reports, victims):
    folder = tmp_path_factory.mktemp("fuzz")
    chain = MiniChain(folder / "chain")
    txs = []
    for sender, receiver, amount in edges:
        if sender == receiver:
            continue
        txs.append((chain.pay_token(USDT, sender, receiver, amount * U)[0], sender, receiver, amount))
        chain.new_block()
    if not txs:
        return
    con = connect(folder / "s.duckdb")
    try:
        import_etl(con, chain.write())
        tags = folder / "tags.csv"
        tags.write_text("address,label,category,actor\n" + "".join(f"{a},X,exchange,x\n" for a in sorted(tagged)))
        if tagged:
            assert import_tag_files(con, [tags]).ok
        open_case(con, CASE)
        rows = []
        for i, pick in enumerate(reports):
            tx, sender, receiver, amount = txs[pick % len(txs)]
            rows.append({"report_id": f"R{i}", "reported_at": "2026-06-01", "chain": "ethereum", "asset": "USDT",
                         "tx_hash": tx, "victim_address": victims[i % 4] if i % 2 else sender,
                         "scam_address": receiver, "amount": str(amount)})
        import_reports(con, CASE, write_csv(folder / "r.csv", list(REPORT_COLUMNS), rows))
        if not con.execute("SELECT count(*) FROM seeds WHERE case_id = ?", [CASE]).fetchall()[0][0]:
            return
        run = trace_case(con, CASE)
        placed = con.execute("SELECT address, count(*) FROM trace_addresses WHERE run_id = ? GROUP BY 1",
                             [run.run_id]).fetchall()
        assert placed and all(n == 1 for _, n in placed)
        tagged_roles = con.execute("SELECT role FROM trace_addresses WHERE run_id = ? AND address IN "
                                   "(SELECT unnest(?))", [run.run_id, sorted(tagged)]).fetchall()
        assert all(role in ("exchange", "deposit_wallet") for (role,) in tagged_roles)
    finally:
        con.close()


def test_review_items_reach_the_findings_summary_and_the_report(con, tmp_path, mini_chain):
    from tracers.exports.render import render_summary
    from tracers.findings.summary import findings_summary
    from tracers.exports.report.html import render_report

    c, deposit = mini_chain, addr(30)
    tx, _ = c.pay_token(USDT, VICTIM, deposit, 2_000 * U)
    c.new_block()
    c.pay_token(USDT, deposit, HOT, 2_000 * U)
    case(con, tmp_path, c, [(tx, VICTIM, deposit, 2_000 * U)])
    summary = findings_summary(con, CASE)
    assert [r.address for r in summary.review] == [deposit]
    assert deposit in render_summary(summary) and "reported_scam_address" in render_summary(summary)
    html = render_report(con, CASE)
    assert 'id="review"' in html and "reported_scam_address" in html
