"""Freeze export: the addresses that still hold traced victim money, one CSV per issuer who can
freeze the asset (Tether for USDT, Circle for USDC), and the rest apart.

Files go to `out_dir/freeze_<issuer>.csv` (e.g. `freeze_tether.csv`), `out_dir/freeze_no_issuer.csv`
(native coins and tokens without a known issuer: no one can freeze them, they can only be seized),
and `out_dir/manifest.json`. Written like the subpoena export: each file whole (temp file + rename),
the manifest removed first and written last, other files in the folder left alone and listed.

One row per (chain, address, asset) of the run's `at_rest` findings (victim money still held by a
perpetrator address):

- `traced_at_rest`: the victim-attributed amount still held, per the run's taint model (exact);
- `stored_balance`: what the store says the address holds of the asset, sum in - sum out (exact).
  `balance_history` is `complete` when a live source fetched the address's whole history (it has a
  fetch checkpoint), else `partial history` (e.g. an ethereum-etl import of a block range: the
  address may have moved money outside it). Native balances ignore gas fees, which the store does
  not hold: for a native coin the balance and the traced amount are upper bounds. `note` says
  which applies;
- `victim_share`: traced_at_rest / stored_balance, 4 places, integer arithmetic, rounded down;
- `last_movement`, `last_movement_tx`: the newest transfer touching the address (any asset);
- `report_ids`, `flow_tx_hashes`: the reports whose money flowed in and the transfers that brought
  it (trace_flows into the address, in that asset). Under `fifo` or `poison` taint some of those
  reports' money may have left again; the at_rest amount is what is left;
- `evidence`: the at_rest finding and the findings that make the address a perpetrator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from tracers.chains import NATIVE
from tracers.domain import iso_utc
from tracers.exports.assets import AssetBook
from tracers.exports.deposits import finding_ids
from tracers.exports.files import check_replaceable, csv_bytes, out_folder, sha256, unique_stems, write_whole
from tracers.exports.manifest import MANIFEST_NAME, AssetTotal, export_manifest_bytes
from tracers.exports.run import RunInfo, latest_run

FREEZE_COLUMNS = [
    "case_id", "issuer", "action", "chain", "address", "role", "subrole", "cluster_id", "asset",
    "asset_symbol", "traced_at_rest", "stored_balance", "balance_history", "victim_share",
    "last_movement", "last_movement_tx", "report_ids", "flow_tx_hashes", "evidence", "note",
]
NO_ISSUER_FILE = "freeze_no_issuer.csv"
NO_ISSUER_ACTION = "no issuer: seizure only"
COMPLETE, PARTIAL = "complete", "partial history"

_AT_REST = """
SELECT e.chain, e.address, e.asset, CAST(sum(e.amount) AS VARCHAR) AS held,
       list(e.finding_id ORDER BY e.finding_id) AS finding_ids,
       any_value(a.role) AS role, any_value(a.subrole) AS subrole,
       any_value(a.cluster_id) AS cluster_id, any_value(a.evidence) AS evidence,
       any_value(s.issuer) AS issuer
FROM findings e
LEFT JOIN trace_addresses a ON a.run_id = e.run_id AND a.chain = e.chain AND a.address = e.address
LEFT JOIN assets s ON s.chain = e.chain AND s.asset = e.asset
WHERE e.run_id = $run_id AND e.kind = 'endpoint' AND e.rule = 'at_rest'
  AND e.address IS NOT NULL AND e.asset IS NOT NULL AND e.amount > 0
GROUP BY e.chain, e.address, e.asset
"""

_HELD = """
held AS (
    SELECT DISTINCT chain, address, asset FROM findings
    WHERE run_id = $run_id AND kind = 'endpoint' AND rule = 'at_rest'
      AND address IS NOT NULL AND asset IS NOT NULL AND amount > 0
)"""

_FLOWS_IN = f"""
WITH {_HELD}
SELECT f.chain, f.to_address, f.asset, f.tx_hash, f.report_ids
FROM trace_flows f
JOIN held h ON h.chain = f.chain AND h.address = f.to_address AND h.asset = f.asset
WHERE f.run_id = $run_id AND f.traced_amount > 0
ORDER BY f.block_number, f.tx_hash, f.kind, f.position
"""

_BALANCES = f"""
WITH {_HELD},
inflow AS (
    SELECT t.chain, t.to_address AS address, t.asset, sum(t.amount) AS amount
    FROM transfers_to t
    WHERE t.to_address IN (SELECT address FROM held)
    GROUP BY ALL
),
outflow AS (
    SELECT t.chain, t.from_address AS address, t.asset, sum(t.amount) AS amount
    FROM transfers t
    WHERE t.from_address IN (SELECT address FROM held)
    GROUP BY ALL
)
SELECT h.chain, h.address, h.asset, CAST(i.amount AS VARCHAR), CAST(o.amount AS VARCHAR)
FROM held h
LEFT JOIN inflow i ON i.chain = h.chain AND i.address = h.address AND i.asset = h.asset
LEFT JOIN outflow o ON o.chain = h.chain AND o.address = h.address AND o.asset = h.asset
"""

_TOUCHING = f"""
WITH {_HELD},
addresses AS (SELECT DISTINCT chain, address FROM held),
touching AS (
    SELECT t.chain, t.to_address AS address, t.block_number, t.tx_index, t.position, t.block_time,
           t.tx_hash, t.source
    FROM transfers_to t WHERE t.to_address IN (SELECT address FROM addresses)
    UNION ALL
    SELECT t.chain, t.from_address, t.block_number, t.tx_index, t.position, t.block_time,
           t.tx_hash, t.source
    FROM transfers t WHERE t.from_address IN (SELECT address FROM addresses)
),
mine AS (
    SELECT t.* FROM touching t JOIN addresses a ON a.chain = t.chain AND a.address = t.address
),
newest AS (
    SELECT chain, address, block_time, tx_hash FROM mine
    QUALIFY row_number() OVER (
        PARTITION BY chain, address
        ORDER BY block_number DESC, tx_index DESC NULLS LAST, position DESC, tx_hash DESC
    ) = 1
),
sources AS (
    SELECT chain, address, list(DISTINCT source ORDER BY source) AS sources FROM mine GROUP BY ALL
)
SELECT n.chain, n.address, n.block_time, n.tx_hash, s.sources
FROM newest n JOIN sources s ON s.chain = n.chain AND s.address = n.address
"""

_CHECKPOINTS = f"""
WITH {_HELD}
SELECT c.chain, c.address, c.source, c.through_block
FROM fetch_checkpoints c
JOIN (SELECT DISTINCT chain, address FROM held) h ON h.chain = c.chain AND h.address = c.address
ORDER BY c.source
"""


@dataclass(frozen=True)
class FreezeRow:
    """Victim money at rest in one address, in one asset, with what the store says around it."""

    chain: str
    address: str
    asset: str  # 'native' or the token contract
    issuer: str | None  # who can freeze the asset; None: nobody (native coin, unknown token)
    role: str | None
    subrole: str | None
    cluster_id: str | None
    held: int  # base units: victim-attributed money still at the address (the at_rest findings)
    balance: int  # base units: sum in - sum out of the asset in the store
    history: str  # COMPLETE | PARTIAL
    last_movement: datetime | None
    last_movement_tx: str | None
    report_ids: tuple[str, ...]
    flow_tx_hashes: tuple[str, ...]
    evidence: tuple[str, ...]  # at_rest finding ids, then the address's role findings
    notes: tuple[str, ...]

    @property
    def share(self) -> str:
        """held / balance as a decimal with 4 places, rounded down; '' when the balance is not > 0."""
        if self.balance <= 0:
            return ""
        quotient = self.held * 10_000 // self.balance
        return f"{quotient // 10_000}.{quotient % 10_000:04d}"

    def sort_key(self) -> tuple:
        return (self.chain, self.asset, -self.held, self.address)


@dataclass(frozen=True)
class FreezeFile:
    name: str
    issuer: str | None
    rows: int
    sha256: str
    addresses: int
    traced_total: tuple[AssetTotal, ...]  # victim money at rest per (chain, asset), sorted

    @property
    def action(self) -> str:
        return action(self.issuer)

    def to_dict(self) -> dict:
        return {"name": self.name, "issuer": self.issuer, "action": self.action, "rows": self.rows,
                "sha256": self.sha256, "addresses": self.addresses,
                "traced_at_rest_total": [t.to_dict() for t in self.traced_total]}


@dataclass(frozen=True)
class FreezeResult:
    run: RunInfo
    out_dir: Path
    files: tuple[FreezeFile, ...]  # per issuer in name order; empty: no victim money at rest
    manifest: Path
    other_files: tuple[str, ...]  # already in out_dir, not written by this export (left alone)

    @property
    def rows_per_issuer(self) -> dict[str, int]:
        return {f.issuer or "": f.rows for f in self.files}

    def describe(self) -> str:
        """One or two sentences for the command line."""
        if not self.files:
            said = (f"trace run {self.run.run_id} found no victim money at rest: wrote only "
                    f"{self.manifest}")
        else:
            names = ", ".join(f"{f.name} ({f.rows})" for f in self.files)
            said = (f"wrote {sum(f.rows for f in self.files)} address holding(s) of victim money "
                    f"from trace run {self.run.run_id} into {self.out_dir}: {names}, and {MANIFEST_NAME}")
        if self.other_files:
            said += (f"; {len(self.other_files)} other file(s) in the folder were left as they were "
                     "and are not part of this export")
        return said


def export_freeze(
    con: duckdb.DuckDBPyConnection, case_id: str, out_dir: str | Path, generated_at: datetime | None = None,
    *, force: bool = False,
) -> FreezeResult:
    """Write the freeze CSVs and manifest of the case's latest finished trace run; files an
    earlier export left that this one would write are replaced only with `force`."""
    out_dir = out_folder(out_dir)
    run = latest_run(con, case_id)
    book = AssetBook(con)
    by_issuer: dict[str | None, list[FreezeRow]] = defaultdict(list)
    for row in freeze_rows(con, run.run_id):
        by_issuer[row.issuer].append(row)
    names = _file_names(list(by_issuer))
    contents = {
        names[issuer]: (issuer, rows, csv_bytes(_cells(case_id, rows, book), FREEZE_COLUMNS))
        for issuer, rows in by_issuer.items()
    }  # everything rendered before anything is written: a missing decimal writes nothing
    check_replaceable(out_dir, [*contents, MANIFEST_NAME], force=force)

    out_dir.mkdir(exist_ok=True)
    manifest = out_dir / MANIFEST_NAME
    manifest.unlink(missing_ok=True)
    files = []
    for name in sorted(contents):
        issuer, rows, data = contents[name]
        write_whole(out_dir / name, data)
        files.append(FreezeFile(
            name=name, issuer=issuer, rows=len(rows), sha256=sha256(data),
            addresses=len({(r.chain, r.address) for r in rows}), traced_total=_totals(rows, book),
        ))
    write_whole(manifest, export_manifest_bytes(
        run, FREEZE_COLUMNS, [f.to_dict() for f in files], generated_at,
        extra={"export": "freeze", "parameters": {"case_id": case_id}},
    ))
    written = {MANIFEST_NAME, *contents}
    others = tuple(sorted(p.name for p in out_dir.iterdir() if p.name not in written))
    return FreezeResult(run, out_dir, tuple(files), manifest, others)


def freeze_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[FreezeRow]:
    """Every (chain, address, asset) holding victim money at rest in the run, in export order."""
    bound = {"run_id": run_id}
    held = con.execute(_AT_REST, bound).fetchall()
    if not held:
        return []
    flows: dict[tuple, list] = defaultdict(list)
    for chain, address, asset, tx_hash, report_ids in con.execute(_FLOWS_IN, bound).fetchall():
        flows[(chain, address, asset)].append((tx_hash, report_ids))
    balances = {
        (chain, address, asset): int(inflow or 0) - int(outflow or 0)
        for chain, address, asset, inflow, outflow in con.execute(_BALANCES, bound).fetchall()
    }
    touching = {
        (chain, address): (time, tx, tuple(sources))
        for chain, address, time, tx, sources in con.execute(_TOUCHING, bound).fetchall()
    }
    checkpoints: dict[tuple, list[tuple[str, int]]] = defaultdict(list)
    for chain, address, source, through in con.execute(_CHECKPOINTS, bound).fetchall():
        checkpoints[(chain, address)].append((source, through))

    rows = []
    for chain, address, asset, amount, ids, role, subrole, cluster_id, evidence, issuer in held:
        key = (chain, address, asset)
        came_in = flows.get(key, [])
        time, tx, sources = touching.get((chain, address), (None, None, ()))
        balance = balances.get(key, 0)
        history, notes = _history(asset, int(amount), balance, checkpoints.get((chain, address), []), sources)
        role_ids = finding_ids(run_id, address, evidence) if evidence is not None else ()
        rows.append(FreezeRow(
            chain=chain, address=address, asset=asset, issuer=issuer, role=role, subrole=subrole,
            cluster_id=cluster_id, held=int(amount), balance=balance, history=history,
            last_movement=time, last_movement_tx=tx,
            report_ids=tuple(sorted({r for _, reports in came_in for r in reports})),
            flow_tx_hashes=tuple(dict.fromkeys(t for t, _ in came_in)),
            evidence=tuple(dict.fromkeys((*ids, *role_ids))), notes=notes,
        ))
    return sorted(rows, key=FreezeRow.sort_key)


def _history(
    asset: str, held: int, balance: int, checkpoints: list[tuple[str, int]], sources: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """(COMPLETE or PARTIAL, the notes that say why and what else a reader must know)."""
    notes = []
    if checkpoints:
        history = COMPLETE
        fetched = ", ".join(f"{source} through block {through}" for source, through in checkpoints)
        notes.append(f"history fetched whole from {fetched}; later blocks are not in the store")
    else:
        history = PARTIAL
        notes.append(
            "no fetch checkpoint: the store holds the transfers it imported "
            f"({', '.join(sources) or 'none'}), not necessarily the address's whole history"
        )
    if balance < 0:
        history = PARTIAL
        notes.append("the store has more of it leaving than arriving: some inflows are missing")
    elif held > balance:
        notes.append("the trace attributes more than the stored balance: check the store's history")
    if asset == NATIVE:
        notes.append("gas fees are not in the store: the native balance and the traced amount still "
                     "held are upper bounds")
    return history, tuple(notes)


def action(issuer: str | None) -> str:
    """What the file or row asks for: a freeze by the issuer, or seizure where no one can freeze."""
    return f"freeze request to {issuer}" if issuer else NO_ISSUER_ACTION


def _file_names(issuers: list[str | None]) -> dict[str | None, str]:
    stems = unique_stems([i for i in issuers if i])
    names: dict[str | None, str] = {None: NO_ISSUER_FILE}
    for issuer, stem in stems.items():
        name = f"freeze_{stem}.csv"
        names[issuer] = name if name != NO_ISSUER_FILE else f"freeze_{stem}_issuer.csv"
    return {i: names[i] for i in issuers}


def _cells(case_id: str, rows: list[FreezeRow], book: AssetBook) -> list[dict]:
    return [
        {
            "case_id": case_id,
            "issuer": r.issuer or "",
            "action": action(r.issuer),
            "chain": r.chain,
            "address": r.address,
            "role": r.role,
            "subrole": r.subrole,
            "cluster_id": r.cluster_id,
            "asset": r.asset,
            "asset_symbol": book.symbol(r.chain, r.asset),
            "traced_at_rest": book.units(r.chain, r.asset, r.held),
            "stored_balance": book.units(r.chain, r.asset, r.balance),
            "balance_history": r.history,
            "victim_share": r.share,
            "last_movement": iso_utc(r.last_movement),
            "last_movement_tx": r.last_movement_tx,
            "report_ids": ";".join(r.report_ids),
            "flow_tx_hashes": ";".join(r.flow_tx_hashes),
            "evidence": ";".join(r.evidence),
            "note": "; ".join(r.notes),
        }
        for r in rows
    ]


def _totals(rows: list[FreezeRow], book: AssetBook) -> tuple[AssetTotal, ...]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        sums[(r.chain, r.asset)] += r.held
    return tuple(
        AssetTotal(chain, asset, book.symbol(chain, asset), book.units(chain, asset, total))
        for (chain, asset), total in sorted(sums.items())
    )

