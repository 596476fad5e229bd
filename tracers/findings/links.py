"""Case links: addresses that carry a role in more than one case (each case's latest finished
trace run), with each case's role, the victim money that case traced into the address per asset,
and the findings and transactions each side rests on. Amounts stay per case and per asset: a link
never adds one case's money to another's.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from tracers.findings.amounts import amount
from tracers.findings.assets import AssetBook
from tracers.findings.deposits import finding_ids
from tracers.findings.summary import partner_matches
from tracers.store.queries import rows

LINK_COLUMNS = ["chain", "address", "case_id", "linked_cases", "run_id", "role", "subrole", "exchange",
                "asset", "asset_symbol", "traced_amount", "traced_base_units", "transfers", "evidence",
                "tx_hashes"]


@dataclass(frozen=True)
class CaseSide:
    """One case's part in a link: the address's role in that case and the money that case traced in."""

    case_id: str
    run_id: str
    role: str
    subrole: str | None
    exchange: str | None
    evidence: tuple[str, ...]  # finding ids behind the role in that run
    traced: tuple[tuple[str, int], ...]  # (asset, base units) of victim money into the address
    transfers: int
    tx_hashes: tuple[str, ...]  # the transfers that brought it


@dataclass(frozen=True)
class CaseLink:
    chain: str
    address: str
    sides: tuple[CaseSide, ...]  # by case id

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(s.case_id for s in self.sides)

    def to_dict(self, book: AssetBook) -> dict:
        return {
            "chain": self.chain, "address": self.address, "cases": list(self.case_ids),
            "sides": [
                {"case_id": s.case_id, "run_id": s.run_id, "role": s.role, "subrole": s.subrole,
                 "exchange": s.exchange, "evidence": list(s.evidence), "transfers": s.transfers,
                 "tx_hashes": list(s.tx_hashes),
                 "traced": [amount(book, self.chain, asset, base).to_dict() for asset, base in s.traced]}
                for s in self.sides
            ],
        }


def case_links(con: duckdb.DuckDBPyConnection, case_id: str | None = None) -> list[CaseLink]:
    """Every link (or those of `case_id`, with all the cases each one joins), by chain and address."""
    sides: dict[tuple[str, str], dict[str, dict]] = {}
    for (chain, address, case, run_id, role, subrole, exchange, evidence, asset, traced, transfers,
         tx_hashes) in rows(con, "queries/case_links", {"case_id": case_id}):
        side = sides.setdefault((chain, address), {}).setdefault(case, {
            "run_id": run_id, "role": role, "subrole": subrole, "exchange": exchange,
            "evidence": finding_ids(run_id, address, evidence), "traced": [], "transfers": 0, "txs": [],
        })
        if asset is not None:
            side["traced"].append((asset, int(traced)))
            side["transfers"] += transfers
            side["txs"].extend(tx_hashes)
    return [
        CaseLink(chain, address, tuple(
            CaseSide(case, s["run_id"], s["role"], s["subrole"], s["exchange"], s["evidence"],
                     tuple(s["traced"]), s["transfers"], tuple(dict.fromkeys(s["txs"])))
            for case, s in sorted(by_case.items())
        ))
        for (chain, address), by_case in sorted(sides.items())
    ]


def linked_cases(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """case id -> the other cases it shares an address with (cases without links absent)."""
    others: dict[str, set[str]] = {}
    for link in case_links(con):
        for case in link.case_ids:
            others.setdefault(case, set()).update(c for c in link.case_ids if c != case)
    return {case: tuple(sorted(found)) for case, found in sorted(others.items())}


def link_rows(links: list[CaseLink], book: AssetBook) -> list[dict]:
    """LINK_COLUMNS rows: one per address, case and asset (a side with no money: one row, no asset)."""
    found = []
    for link in links:
        for side in link.sides:
            others = ";".join(c for c in link.case_ids if c != side.case_id)
            common = {
                "chain": link.chain, "address": link.address, "case_id": side.case_id, "linked_cases": others,
                "run_id": side.run_id, "role": side.role, "subrole": side.subrole, "exchange": side.exchange,
                "transfers": side.transfers, "evidence": ";".join(side.evidence),
                "tx_hashes": ";".join(side.tx_hashes),
            }
            if not side.traced:
                found.append({**common, "asset": None, "asset_symbol": None, "traced_amount": None,
                              "traced_base_units": None})
            for asset, base in side.traced:
                money = amount(book, link.chain, asset, base)
                found.append({**common, "asset": asset, "asset_symbol": money.symbol,
                              "traced_amount": money.units if money.decimals is not None else None,
                              "traced_base_units": str(base)})
    return found


def trace_notes(con: duckdb.DuckDBPyConnection, case_id: str, run_id: str) -> list[str]:
    """What a trace says when it ends, beside its counts: the addresses partners flag that it
    reached, and the addresses the case shares with other cases (one line each)."""
    lines = []
    for match in partner_matches(con, run_id):
        marking = f", TLP:{match.tlp.upper()}" if match.tlp else ""
        lines.append(f"partner: {match.chain} {match.address} flagged by {match.source_org}{marking}: "
                     f"{match.label} ({match.finding_id})")
    links = case_links(con, case_id)
    for link in links:
        mine = next(s for s in link.sides if s.case_id == case_id)
        others = ", ".join(f"{s.case_id} ({s.role})" for s in link.sides if s.case_id != case_id)
        lines.append(f"linked: {link.chain} {link.address} ({mine.role}) is also in {others}")
    if links:
        lines.append(f"see `tracers case links --case {case_id}`; one request for all: "
                     f"`tracers export subpoena --case {case_id} --linked --out DIR`")
    return lines
