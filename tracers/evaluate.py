"""Score a trace's exports against a simulated world's truth.json: the figures an analyst and a court ask for.

    truth = json.loads((world / "truth.json").read_text())
    scores = score(truth, out / "addresses.csv", out / "subpoena")
    print(format_scores(scores)); assert all(scores.meets_targets().values())

Pure: reads the truth dict and the export files (every cell as text), touches no store. What is
scored, and against which part of the truth:

- deposits: the unique `deposit_address` of the subpoena CSVs (what goes to the exchanges) against
  `scam_deposits[].deposit_address`; the addresses CSV's `deposit_wallet` rows are scored the same
  way, as a second figure without a target.
- perpetrators: role `perpetrator` in the addresses CSV against `perpetrators[].address`.
- discovered victims: truth victims that never reported, found as role `victim` in the addresses CSV.
- traced amount: per truth scam deposit, the subpoena's `traced_amount` of that deposit's rows in the
  deposit's truth `asset` ('native' for ether, else the token contract; USDT when the truth names
  none), converted to base units with that asset's decimals exactly (string arithmetic, never a
  float), within 5% of `victim_amount` (in the same asset's base units: a chain that swapped USDT for
  ether pays ether); rows in another asset are counted, not summed in.
- services swallowed: a truth service (OTC desk, merchant and its deposit, gas rental) listed as a
  perpetrator. Subpoena leaks: subpoena rows whose deposit address is not a scam deposit.
- ways out (truth `pools`, `mixers`, `bridges`): none may be listed as a perpetrator
  (`pools_swallowed`, `mixers_swallowed`, `bridges_swallowed`, each must be empty); a mixer counts
  as found (`mixers_found`, no target) when the addresses CSV lists it in any other role (a service
  whose subrole says mixer, or anything but perpetrator).

Precision with nothing predicted is 0 (1 when there was nothing to find); recall with nothing to
find is 1. Addresses compare in lowercase when they are 0x-hex. A deposit's traced amount is within
max(5 %, the deposit's `tolerance`) of its victim amount (tolerance 0 when the truth has none).

Per confounder (`score_by_confounder`, `format_confounder_scores`): the same recalls restricted to
the truth items the confounder touched (their `confounders` lists): deposit recall and traced
within max(5 %, tolerance) over its scam deposits, perpetrator recall over its perpetrators,
victim recall over its victims (reported or not, listed with role victim); false positives are
the confounder's decoys (`confounder_decoys`, plus `other_scam`) listed as perpetrators, victims
or subpoenaed deposits (mixer_deposits: the fresh addresses the mixer paid the notes out to, its
relayers and strangers' deposits; bridge_deposit: the bridge's other depositors; swap_then_peel:
the pool, its provider and its traders).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracers.amounts import format_units
from tracers.domain import ROLES
from tracers.errors import TracersError

NATIVE = "native"
SUBPOENA_COLUMNS = ("exchange", "asset", "deposit_address", "tx_hash", "log_index", "traced_amount")
ADDRESS_COLUMNS = ("address", "role", "subrole")

# metric -> lowest value that meets the target; list metrics must be empty.
AT_LEAST = {
    "deposit_precision": 0.95,
    "deposit_recall": 0.95,
    "perpetrator_precision": 0.95,
    "perpetrator_recall": 0.90,
    "discovered_victim_recall": 0.80,
    "traced_within_5pct_share": 0.90,
}
NONE_ALLOWED = ("services_swallowed", "subpoena_leaks", "pools_swallowed", "mixers_swallowed", "bridges_swallowed")

_UNITS = re.compile(r"^([0-9]+)(?:\.([0-9]+))?$")


class EvaluationError(TracersError):
    """An export that cannot be scored: a missing file or column, an unknown role or asset, a bad amount."""


@dataclass(frozen=True)
class Counts:
    """True positives, false positives, false negatives of one predicted set against the truth."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        if self.tp + self.fp:
            return self.tp / (self.tp + self.fp)
        return 1.0 if self.fn == 0 else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass(frozen=True)
class SubpoenaRow:
    """One subpoena row as written (`traced_amount` in token units) and its traced base units."""

    file: str
    line: int
    exchange: str
    deposit_address: str
    asset: str
    tx_hash: str
    log_index: str
    traced_amount: str
    traced_base_units: int


@dataclass(frozen=True)
class TracedDeposit:
    """A truth scam deposit: victim money in, and what the subpoena says was traced into it (base units).

    `traced` is None when the deposit is not in the subpoena; `other_asset_rows` counts its rows in
    an asset other than the deposit's (the truth has no victim money in them).
    """

    deposit_address: str
    exchange: str
    victim_amount: int
    traced: int | None
    other_asset_rows: int
    decimals: int  # of the deposit's asset, for people reading the amounts
    tolerance: int = 0  # base units the truth allows beyond 5 % (non-victim money mixed in)
    asset: str = ""  # 'native' or the token contract the amounts are in

    @property
    def within_5pct(self) -> bool:
        """Within max(5 % of the victim amount, the tolerance), in exact integers."""
        if self.traced is None:
            return False
        off = abs(self.traced - self.victim_amount)
        return 20 * off <= self.victim_amount or off <= self.tolerance


@dataclass(frozen=True)
class ServiceHit:
    """A truth service address the addresses CSV calls a perpetrator."""

    address: str
    kind: str  # otc_desk | merchant | merchant_deposit | gas_rental | dex_pool | mixer | bridge


@dataclass(frozen=True)
class Scores:
    """Every figure, the counts behind it, and the addresses to look at when it is short."""

    deposit_precision: float
    deposit_recall: float
    deposits: Counts
    deposit_wallet_precision: float  # the addresses CSV's deposit_wallet rows; no target
    deposit_wallet_recall: float
    deposit_wallets: Counts
    perpetrator_precision: float
    perpetrator_recall: float
    perpetrators: Counts
    discovered_victim_recall: float
    discovered_victims: Counts  # fp: role victim rows that are no truth victim at all
    traced_within_5pct_share: float
    traced_within_5pct: int
    traced: tuple[TracedDeposit, ...]
    missed_deposits: tuple[str, ...]
    false_deposits: tuple[str, ...]
    misfiled_deposits: tuple[str, ...]  # scam deposits in the subpoena under another exchange; no target
    missed_perpetrators: tuple[str, ...]
    false_perpetrators: tuple[str, ...]
    missed_discovered_victims: tuple[str, ...]
    services_swallowed: tuple[ServiceHit, ...]
    subpoena_leaks: tuple[SubpoenaRow, ...]
    pools_swallowed: tuple[ServiceHit, ...] = ()
    mixers_swallowed: tuple[ServiceHit, ...] = ()
    bridges_swallowed: tuple[ServiceHit, ...] = ()
    mixers_found: Counts = Counts(0, 0, 0)  # tp: truth mixers listed in a role other than perpetrator

    def meets_targets(self) -> dict[str, bool]:
        """metric -> whether it meets its target (see AT_LEAST and NONE_ALLOWED)."""
        met = {name: getattr(self, name) >= low for name, low in AT_LEAST.items()}
        met.update({name: not getattr(self, name) for name in NONE_ALLOWED})
        return met


def score(truth: dict, addresses_csv: Path, subpoena_dir: Path) -> Scores:
    """Score the addresses CSV and the subpoena folder of one trace against the world's truth."""
    rows = read_subpoena(subpoena_dir, _decimals(truth))
    roles = read_addresses(addresses_csv)

    truth_deposits = {_norm(d["deposit_address"]): d for d in truth["scam_deposits"]}
    predicted_deposits = {row.deposit_address for row in rows}
    deposits = _counts(predicted_deposits, set(truth_deposits))
    wallets = _counts(roles.get("deposit_wallet", set()), set(truth_deposits))

    truth_perpetrators = {_norm(p["address"]) for p in truth["perpetrators"]}
    predicted_perpetrators = roles.get("perpetrator", set())
    perpetrators = _counts(predicted_perpetrators, truth_perpetrators)

    all_victims = {_norm(v["address"]) for v in truth["victims"]}
    discovered = {_norm(v["address"]) for v in truth["victims"] if not v["reported"]}
    listed_victims = roles.get("victim", set())
    victims = Counts(
        tp=len(discovered & listed_victims), fp=len(listed_victims - all_victims), fn=len(discovered - listed_victims)
    )

    traced = tuple(_traced(deposit, rows, truth) for deposit in truth["scam_deposits"])
    within = sum(t.within_5pct for t in traced)
    listed = {address for role, addresses in roles.items() if role != "perpetrator" for address in addresses}
    mixers = {_norm(m["address"]) for m in truth.get("mixers", [])}

    return Scores(
        deposit_precision=deposits.precision,
        deposit_recall=deposits.recall,
        deposits=deposits,
        deposit_wallet_precision=wallets.precision,
        deposit_wallet_recall=wallets.recall,
        deposit_wallets=wallets,
        perpetrator_precision=perpetrators.precision,
        perpetrator_recall=perpetrators.recall,
        perpetrators=perpetrators,
        discovered_victim_recall=victims.recall,
        discovered_victims=victims,
        traced_within_5pct_share=within / len(traced) if traced else 1.0,
        traced_within_5pct=within,
        traced=traced,
        missed_deposits=tuple(sorted(truth_deposits.keys() - predicted_deposits)),
        false_deposits=tuple(sorted(predicted_deposits - truth_deposits.keys())),
        misfiled_deposits=tuple(sorted({
            row.deposit_address for row in rows
            if row.deposit_address in truth_deposits
            and row.exchange.lower() != truth_deposits[row.deposit_address]["exchange"].lower()
        })),
        missed_perpetrators=tuple(sorted(truth_perpetrators - predicted_perpetrators)),
        false_perpetrators=tuple(sorted(predicted_perpetrators - truth_perpetrators)),
        missed_discovered_victims=tuple(sorted(discovered - listed_victims)),
        services_swallowed=tuple(hit for hit in _service_addresses(truth) if hit.address in predicted_perpetrators),
        subpoena_leaks=tuple(row for row in rows if row.deposit_address not in truth_deposits),
        pools_swallowed=_swallowed(truth, "pools", "dex_pool", predicted_perpetrators),
        mixers_swallowed=_swallowed(truth, "mixers", "mixer", predicted_perpetrators),
        bridges_swallowed=_swallowed(truth, "bridges", "bridge", predicted_perpetrators),
        mixers_found=Counts(tp=len(mixers & listed), fp=0, fn=len(mixers - listed)),
    )


@dataclass(frozen=True)
class ConfounderScores:
    """The recalls restricted to what one confounder touched; `fp` of each Counts: its decoys
    listed in that role (deposits: subpoenaed)."""

    confounder: str
    deposits: Counts
    traced_within: int
    traced: tuple[TracedDeposit, ...]
    perpetrators: Counts
    victims: Counts
    decoys_flagged: tuple[str, ...]

    @property
    def traced_within_share(self) -> float:
        return self.traced_within / len(self.traced) if self.traced else 1.0


def score_by_confounder(truth: dict, addresses_csv: Path, subpoena_dir: Path) -> dict[str, ConfounderScores]:
    """confounder -> its scores, for every confounder the world switched on (none: empty)."""
    rows = read_subpoena(subpoena_dir, _decimals(truth))
    roles = read_addresses(addresses_csv)
    subpoenaed = {row.deposit_address for row in rows}
    other_scam = {_norm(o["address"]) for o in truth.get("other_scam", [])}
    scores = {}
    for name in truth.get("confounders", {}):
        def touched(entries: list[dict], key: str = "address", name: str = name) -> set[str]:
            return {_norm(e[key]) for e in entries if name in e.get("confounders", [])}

        decoys = {_norm(a) for a in truth.get("confounder_decoys", {}).get(name, [])}
        decoys |= other_scam if name == "shared_broker" else set()
        deposits = touched(truth["scam_deposits"], "deposit_address")
        perpetrators = touched(truth["perpetrators"])
        # a victim who paid straight from an exchange withdrawal shows on chain as the exchange's
        # hot wallet: the exchange names its customer, no tracer may call a hot wallet a victim
        victims = touched(truth["victims"]) - _hot_wallets(truth)
        listed_perpetrators, listed_victims = roles.get("perpetrator", set()), roles.get("victim", set())
        traced = tuple(_traced(d, rows, truth) for d in truth["scam_deposits"]
                       if _norm(d["deposit_address"]) in deposits)
        scores[name] = ConfounderScores(
            confounder=name,
            deposits=Counts(len(deposits & subpoenaed), len(decoys & subpoenaed), len(deposits - subpoenaed)),
            traced_within=sum(t.within_5pct for t in traced),
            traced=traced,
            perpetrators=Counts(len(perpetrators & listed_perpetrators), len(decoys & listed_perpetrators),
                                len(perpetrators - listed_perpetrators)),
            victims=Counts(len(victims & listed_victims), len(decoys & listed_victims), len(victims - listed_victims)),
            decoys_flagged=tuple(sorted(decoys & (subpoenaed | listed_perpetrators | listed_victims))),
        )
    return scores


def format_confounder_scores(scores: dict[str, ConfounderScores]) -> str:
    """A table, one row per confounder: each recall with its counts ('-' when it touched nothing of
    that kind), the traced-within share, and how many of its decoys were flagged."""
    header = ("confounder", "deposit recall", "traced within 5%/tol", "perpetrator recall", "victim recall",
              "decoys flagged")

    def recall(counts: Counts) -> str:
        whole = counts.tp + counts.fn
        return _ratio(counts.recall, counts.tp, whole) if whole else "-"

    cells = [
        (name, recall(s.deposits),
         _ratio(s.traced_within_share, s.traced_within, len(s.traced)) if s.traced else "-",
         recall(s.perpetrators), recall(s.victims), str(len(s.decoys_flagged)))
        for name, s in scores.items()
    ]
    return _table(header, cells)


def to_base_units(text: str, decimals: int) -> int:
    """`2500.5` in token units -> 2500500000 for 6 decimals, exactly; refuses signs, exponents and
    more fraction digits than the asset has (trailing zeros aside)."""
    match = _UNITS.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a plain decimal amount like 2500.5 (no sign, separator or exponent)")
    whole, fraction = match.group(1), (match.group(2) or "").rstrip("0")
    if len(fraction) > decimals:
        raise ValueError(f"{text!r} has {len(fraction)} decimals but the asset has {decimals}")
    return int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0")


def read_subpoena(folder: Path, decimals: dict[str, int]) -> list[SubpoenaRow]:
    """Every row of every `<exchange>.csv` in the folder; `decimals` maps asset (contract or 'native')."""
    if not folder.is_dir():
        raise EvaluationError(f"subpoena folder {folder} does not exist: run `tracers export subpoena --out {folder}`")
    rows = []
    for path in sorted(folder.glob("*.csv")):
        for line, record in _read_csv(path, SUBPOENA_COLUMNS):
            asset = NATIVE if record["asset"].strip().lower() == NATIVE else _norm(record["asset"])
            if asset not in decimals:
                raise EvaluationError(
                    f"{path.name} line {line}: asset {record['asset']!r} is none of the world's assets "
                    f"({', '.join(sorted(decimals))}); write the token contract or 'native'"
                )
            try:
                base_units = to_base_units(record["traced_amount"], decimals[asset])
            except ValueError as exc:
                raise EvaluationError(f"{path.name} line {line}: traced_amount {exc}") from None
            if not record["deposit_address"].strip():
                raise EvaluationError(f"{path.name} line {line}: deposit_address is empty")
            rows.append(SubpoenaRow(
                file=path.name, line=line, exchange=record["exchange"].strip(),
                deposit_address=_norm(record["deposit_address"]), asset=asset, tx_hash=_norm(record["tx_hash"]),
                log_index=record["log_index"].strip(), traced_amount=record["traced_amount"].strip(),
                traced_base_units=base_units,
            ))
    return rows


def read_addresses(path: Path) -> dict[str, set[str]]:
    """role -> its addresses, from the addresses CSV."""
    if not path.is_file():
        raise EvaluationError(f"addresses CSV {path} does not exist: run `tracers export addresses --out {path}`")
    roles: dict[str, set[str]] = {}
    for line, record in _read_csv(path, ADDRESS_COLUMNS):
        role = record["role"].strip()
        if role not in ROLES:
            raise EvaluationError(f"{path.name} line {line}: role {role!r} is none of {', '.join(ROLES)}")
        roles.setdefault(role, set()).add(_norm(record["address"]))
    return roles


def format_scores(scores: Scores, details: bool = False) -> str:
    """A small table: metric, value (with its counts), target, ok; `details` adds the addresses to look at."""
    s = scores
    met = s.meets_targets()
    lines = [
        ("deposit precision (subpoena)", _ratio(s.deposit_precision, s.deposits.tp, s.deposits.tp + s.deposits.fp),
         ">= 0.95", met["deposit_precision"]),
        ("deposit recall (subpoena)", _ratio(s.deposit_recall, s.deposits.tp, s.deposits.tp + s.deposits.fn),
         ">= 0.95", met["deposit_recall"]),
        ("deposit precision (addresses)",
         _ratio(s.deposit_wallet_precision, s.deposit_wallets.tp, s.deposit_wallets.tp + s.deposit_wallets.fp),
         "-", None),
        ("deposit recall (addresses)",
         _ratio(s.deposit_wallet_recall, s.deposit_wallets.tp, s.deposit_wallets.tp + s.deposit_wallets.fn),
         "-", None),
        ("perpetrator precision",
         _ratio(s.perpetrator_precision, s.perpetrators.tp, s.perpetrators.tp + s.perpetrators.fp),
         ">= 0.95", met["perpetrator_precision"]),
        ("perpetrator recall", _ratio(s.perpetrator_recall, s.perpetrators.tp, s.perpetrators.tp + s.perpetrators.fn),
         ">= 0.90", met["perpetrator_recall"]),
        ("discovered-victim recall",
         _ratio(s.discovered_victim_recall, s.discovered_victims.tp, s.discovered_victims.tp + s.discovered_victims.fn),
         ">= 0.80", met["discovered_victim_recall"]),
        ("deposits traced within 5%", _ratio(s.traced_within_5pct_share, s.traced_within_5pct, len(s.traced)),
         ">= 0.90", met["traced_within_5pct_share"]),
        ("services swallowed", str(len(s.services_swallowed)), "0", met["services_swallowed"]),
        ("subpoena leaks (rows)", str(len(s.subpoena_leaks)), "0", met["subpoena_leaks"]),
        ("DEX pools called perpetrators", str(len(s.pools_swallowed)), "0", met["pools_swallowed"]),
        ("mixers called perpetrators", str(len(s.mixers_swallowed)), "0", met["mixers_swallowed"]),
        ("bridges called perpetrators", str(len(s.bridges_swallowed)), "0", met["bridges_swallowed"]),
        ("mixers found (not as perpetrator)",
         _ratio(s.mixers_found.recall, s.mixers_found.tp, s.mixers_found.tp + s.mixers_found.fn), "-", None),
        ("misfiled deposits (wrong exchange)", str(len(s.misfiled_deposits)), "-", None),
    ]
    header = ("metric", "value", "target", "ok")
    cells = [(m, v, t, "-" if ok is None else ("yes" if ok else "NO")) for m, v, t, ok in lines]
    text = [_table(header, cells)]
    if details:
        text += list(_details(s))
    return "\n".join(text)


# ---------------------------------------------------------------- helpers

def _norm(address: str | None) -> str:
    text = (address or "").strip()
    return text.lower() if text[:2].lower() == "0x" else text


def _decimals(truth: dict) -> dict[str, int]:
    """asset column value ('native' or the lowercase contract) -> decimals, from truth['assets']."""
    return {
        (NATIVE if asset["address"] is None else _norm(asset["address"])): int(asset["decimals"])
        for asset in truth["assets"].values()
    }


def _read_csv(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise EvaluationError(f"{path} lacks column(s) {', '.join(missing)}; its header: {reader.fieldnames}")
        for record in reader:
            yield reader.line_num, {k: v or "" for k, v in record.items() if k is not None}


def _counts(predicted: set[str], truth: set[str]) -> Counts:
    return Counts(tp=len(predicted & truth), fp=len(predicted - truth), fn=len(truth - predicted))


def _traced(deposit: dict, rows: list[SubpoenaRow], truth: dict) -> TracedDeposit:
    """The deposit's victim amount against the subpoena rows in its own asset (USDT when the truth
    names none); rows in other assets are only counted."""
    address = _norm(deposit["deposit_address"])
    asset = deposit.get("asset") or truth["assets"]["usdt"]["address"]
    asset = NATIVE if asset.strip().lower() == NATIVE else _norm(asset)
    own = [row for row in rows if row.deposit_address == address]
    return TracedDeposit(
        deposit_address=address,
        exchange=deposit["exchange"],
        victim_amount=int(deposit["victim_amount"]),
        traced=sum(row.traced_base_units for row in own if row.asset == asset) if own else None,
        other_asset_rows=sum(row.asset != asset for row in own),
        decimals=_decimals(truth)[asset],
        tolerance=int(deposit.get("tolerance", 0)),
        asset=asset,
    )


def _swallowed(truth: dict, key: str, kind: str, perpetrators: set[str]) -> tuple[ServiceHit, ...]:
    """The truth's `key` entries (pools, mixers, bridges) the addresses CSV calls perpetrators."""
    found = sorted({_norm(entry["address"]) for entry in truth.get(key, [])} & perpetrators)
    return tuple(ServiceHit(address, kind) for address in found)


def _hot_wallets(truth: dict) -> set[str]:
    exchanges = truth.get("exchanges", [])
    exchanges = exchanges.values() if isinstance(exchanges, dict) else exchanges
    return {_norm(wallet) for exchange in exchanges for wallet in exchange.get("hot_wallets", [])}


def _service_addresses(truth: dict) -> list[ServiceHit]:
    hits = []
    for service in truth["services"]:
        hits.append(ServiceHit(_norm(service["address"]), service["kind"]))
        if service.get("deposit_address"):
            hits.append(ServiceHit(_norm(service["deposit_address"]), f"{service['kind']}_deposit"))
    return hits


def _table(header: tuple[str, ...], cells: Sequence[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell, a dashed rule under the header."""
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, tuple("-" * w for w in widths), *cells]
    )


def _ratio(value: float, part: int, whole: int) -> str:
    return f"{value:.3f} ({part}/{whole})"


def _details(s: Scores) -> Iterator[str]:
    listed = [
        ("missed deposits", s.missed_deposits),
        ("false deposits", s.false_deposits),
        ("misfiled deposits", s.misfiled_deposits),
        ("missed perpetrators", s.missed_perpetrators),
        ("false perpetrators", s.false_perpetrators),
        ("missed discovered victims", s.missed_discovered_victims),
        ("services swallowed", tuple(f"{hit.address} ({hit.kind})" for hit in s.services_swallowed)),
        ("ways out called perpetrators", tuple(
            f"{hit.address} ({hit.kind})" for hit in (*s.pools_swallowed, *s.mixers_swallowed, *s.bridges_swallowed)
        )),
        ("subpoena leaks", tuple(
            f"{row.file}:{row.line} {row.deposit_address} {row.tx_hash} {row.traced_amount}" for row in s.subpoena_leaks
        )),
        ("traced off by more than 5% (in the deposit's asset: truth / traced)", tuple(
            f"{t.deposit_address} {t.asset} {format_units(t.victim_amount, t.decimals)} / "
            f"{'not in subpoena' if t.traced is None else format_units(t.traced, t.decimals)}"
            for t in s.traced if not t.within_5pct
        )),
    ]
    for title, items in listed:
        if items:
            yield f"{title} ({len(items)}):"
            yield from (f"  {item}" for item in items)
