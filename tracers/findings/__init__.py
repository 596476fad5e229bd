"""The one read model of a finished trace run: what exports, the HTML report, `tracers findings`,
monitoring and case links read. Every query is a named file in sql/queries/; nothing here writes.

- `latest_run` / `RunInfo`: the case's latest finished run (and later unfinished ones);
- `AssetBook`, `Amount`, `amount`, `totals`: symbols, decimals and exact amounts;
- `run_addresses` / `finding_rules`: every address with its role and the findings behind it;
- `read_findings` / `finding_rows`: every finding (the evidence), as records and as CSV rows;
- `deposit_flows`: victim money into exchange deposit addresses (the subpoena's rows);
- `holdings`: victim money still at rest, with stored balances and history (the freeze rows);
- `peel_chains`: peel chains in order along the money;
- `victim_money_moves` / `victim_payments`: the money-flow graph's edges and the victims' payments;
- `case_links` / `linked_cases`: addresses that carry a role in more than one case;
- `findings_summary` / `Summary`: victims, clusters, peel chains, exchanges, services, at rest,
  not followed, review items and partner matches, section by section.
"""

from tracers.findings.addresses import RunAddress, finding_rules, run_addresses
from tracers.findings.amounts import Amount, amount, totals
from tracers.findings.assets import AssetBook, MissingDecimalsError
from tracers.findings.deposits import DepositFlow, deposit_flows, finding_ids
from tracers.findings.evidence import FINDING_COLUMNS, FindingRow, finding_rows, params_json, read_findings
from tracers.findings.flows import Move, Payment, victim_money_moves, victim_payments
from tracers.findings.holdings import COMPLETE, PARTIAL, Holding, holdings
from tracers.findings.links import LINK_COLUMNS, CaseLink, CaseSide, case_links, link_rows, linked_cases, trace_notes
from tracers.findings.peels import Peel, PeelChain, PeelHop, peel_chains
from tracers.findings.run import RunInfo, case_title, latest_run
from tracers.findings.summary import (
    AtRest,
    Cluster,
    ExchangeReached,
    NotFollowed,
    PartnerMatch,
    ReviewItem,
    ServiceReached,
    Summary,
    Victim,
    findings_summary,
    partner_matches,
)

__all__ = [
    "COMPLETE",
    "FINDING_COLUMNS",
    "LINK_COLUMNS",
    "PARTIAL",
    "Amount",
    "AssetBook",
    "AtRest",
    "CaseLink",
    "CaseSide",
    "Cluster",
    "DepositFlow",
    "ExchangeReached",
    "FindingRow",
    "Holding",
    "MissingDecimalsError",
    "Move",
    "NotFollowed",
    "PartnerMatch",
    "Payment",
    "Peel",
    "PeelChain",
    "PeelHop",
    "ReviewItem",
    "RunAddress",
    "RunInfo",
    "ServiceReached",
    "Summary",
    "Victim",
    "amount",
    "case_links",
    "case_title",
    "deposit_flows",
    "finding_ids",
    "finding_rows",
    "finding_rules",
    "findings_summary",
    "holdings",
    "latest_run",
    "link_rows",
    "linked_cases",
    "params_json",
    "partner_matches",
    "peel_chains",
    "read_findings",
    "run_addresses",
    "totals",
    "trace_notes",
    "victim_money_moves",
    "victim_payments",
]
