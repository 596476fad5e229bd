"""GraphSense confidence levels and their 0-100 scores.

The table is GraphSense's own: graphsense/graphsense-tagpack-tool, `src/tagpack/db/confidence.csv`
(the version that added `ledger_immanent`, `forensic_investigation`, `heuristic` and `unknown`):
a TagPack names a level, the TagStore keeps its integer.
"""

from __future__ import annotations

import re

from tracers.chains import shorten

CONFIDENCE_LEVELS: dict[str, int] = {
    "override": 100,  # manual cluster tag: creator knows it stands for a whole cluster
    "ownership": 100,  # creator controls the private key
    "ledger_immanent": 100,  # read from the ledger with a reliable procedure
    "manual_transaction": 90,  # creator moved funds between known services
    "service_api": 70,  # from a trusted service provider's API (e.g. a VASP)
    "forensic_investigation": 70,  # from a forensic investigation (known victim / perpetrator)
    "authority_data": 60,  # from public authorities (e.g. OFAC)
    "trusted_provider": 50,  # from trusted third parties (e.g. spam traps)
    "service_data": 50,  # from a known service (e.g. a CSV an exchange sent)
    "forensic": 50,  # from somewhat trusted reports (e.g. academic papers)
    "untrusted_transaction": 40,  # a third party moved funds between known services
    "web_crawl": 20,  # crawled from the web or data dumps
    "heuristic": 10,  # best effort; reliability hard to quantify
    "unknown": 5,  # source and reliability unknown
}


def confidence_score(value: object) -> int:
    """The 0-100 score of a GraphSense level name or an integer; else ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{shorten(value)} is not a confidence: {_ACCEPTED}")
    if isinstance(value, int):
        score = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        score = int(value.strip())
    elif isinstance(value, str) and value.strip().lower() in CONFIDENCE_LEVELS:
        return CONFIDENCE_LEVELS[value.strip().lower()]
    else:
        raise ValueError(f"{shorten(value)} is not a confidence: {_ACCEPTED}")
    if not 0 <= score <= 100:
        raise ValueError(f"{score} is out of range: {_ACCEPTED}")
    return score


_ACCEPTED = "use an integer 0-100 or a GraphSense level (" + ", ".join(CONFIDENCE_LEVELS) + ")"
