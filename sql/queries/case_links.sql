-- name: case_links
-- Addresses that carry a role in more than one case (each case's latest finished trace run): a
-- deposit account, consolidator, broker or victim that cases filed apart have in common. One row
-- per address, case and asset of the victim money that case traced into it (asset NULL: none).
-- Linking roles: perpetrator, deposit_wallet, victim, and services no tag names (an unknown broker
-- absorbing case money); exchanges' own wallets and tagged services (mixers, bridges) link nothing.
-- Parameters: $case_id (NULL: every link; else the links of that case, all their cases listed).
WITH
latest AS (
    SELECT case_id, run_id FROM trace_runs
    WHERE status = 'done'
    QUALIFY row_number() OVER (
        PARTITION BY case_id ORDER BY started_at DESC, finished_at DESC NULLS LAST, run_id DESC
    ) = 1
),
roles AS (
    SELECT l.case_id, a.run_id, a.chain, a.address, a.role, a.subrole, a.exchange, a.evidence
    FROM trace_addresses a
    JOIN latest l ON l.run_id = a.run_id
    WHERE a.role IN ('perpetrator', 'deposit_wallet', 'victim')
       OR (a.role = 'service' AND a.label IS NULL)
),
shared AS (
    SELECT chain, address FROM roles
    GROUP BY ALL
    HAVING count(DISTINCT case_id) > 1
       AND ($case_id IS NULL OR bool_or(case_id = $case_id))
),
money_in AS (
    SELECT r.case_id, r.chain, r.address, f.asset, sum(f.traced_amount) AS traced, count(*) AS transfers,
           list(DISTINCT f.tx_hash ORDER BY f.tx_hash) AS tx_hashes
    FROM roles r
    JOIN shared s ON s.chain = r.chain AND s.address = r.address
    JOIN trace_flows f ON f.run_id = r.run_id AND f.chain = r.chain AND f.to_address = r.address
    WHERE f.traced_amount > 0
    GROUP BY ALL
)
SELECT r.chain, r.address, r.case_id, r.run_id, r.role, r.subrole, r.exchange, r.evidence,
       m.asset, CAST(m.traced AS VARCHAR) AS traced, coalesce(m.transfers, 0) AS transfers,
       coalesce(m.tx_hashes, []) AS tx_hashes
FROM roles r
JOIN shared s ON s.chain = r.chain AND s.address = r.address
LEFT JOIN money_in m ON m.case_id = r.case_id AND m.chain = r.chain AND m.address = r.address
ORDER BY r.chain, r.address, r.case_id, m.asset NULLS FIRST
