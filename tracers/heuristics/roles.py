"""One role per address and run, decided by ranked evidence.

Several rules can claim one address (a victim who also sweeps into the cluster, an exchange hot
wallet that funded a victim, a reported scam address that is a mule's exchange deposit address).
The strongest claim names the address; the others are kept as a `review` finding that lists every
claim with its rule, so an analyst sees the conflict instead of a crash or a silent choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Lower is stronger. Public tags and what victims themselves reported come first; then what the
# money did (a deposit address forwards to an exchange), then cluster membership by report, then
# discovered roles, then weaker links.
RANK = {
    ("exchange", "tagged_service"): 0,
    ("service", "tagged_service"): 0,
    ("deposit_wallet", "tagged_deposit_address"): 0,
    ("victim", "reported"): 1,
    ("deposit_wallet", "deposit_address"): 2,
    ("perpetrator", "reported_scam_address"): 3,
    ("victim", "discovered"): 4,
    ("victim", "returned"): 4,
    ("perpetrator", "fan_in"): 5,
    ("perpetrator", "followed"): 5,
    ("perpetrator", "peel_chain"): 5,
    ("perpetrator", "gas_feeder"): 6,
    ("perpetrator", "profit_payer"): 6,
    ("service", "service"): 6,
    ("service", "mixer"): 6,
    ("service", "bridge"): 0,
    ("perpetrator", "co_funded"): 7,
    ("unknown", "hop_limit"): 9,
}


@dataclass
class Claim:
    role: str
    basis: str  # the rule or kind the claim rests on (a key of RANK with the role)
    row: tuple  # the trace_addresses row it would write
    evidence: list[str] = field(default_factory=list)  # finding ids

    @property
    def rank(self) -> int:
        return RANK.get((self.role, self.basis), 8)


class RoleBook:
    """Claims per address; `resolve` keeps the strongest, in a stable order."""

    def __init__(self) -> None:
        self.claims: dict[str, list[Claim]] = {}

    def claim(self, address: str, claim: Claim) -> None:
        self.claims.setdefault(address, []).append(claim)

    def resolve(self) -> list[tuple[str, Claim, list[Claim]]]:
        """(address, winning claim, losing claims of another role) for every address, sorted."""
        out = []
        for address in sorted(self.claims):
            ranked = sorted(self.claims[address], key=lambda c: (c.rank, c.role, c.basis))
            winner = ranked[0]
            losers = [c for c in ranked[1:] if c.role != winner.role]
            out.append((address, winner, losers))
        return out
