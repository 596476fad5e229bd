-- name: peel_findings
-- The run's peel-chain steps: the hop, the slice peeled off (asset, amount) and where it went,
-- with the hop's and the destination's places in the run.
-- Parameters: $run_id. Amounts as exact decimal text.
WITH
peels AS (
    SELECT * FROM findings
    WHERE run_id = $run_id AND kind = 'peel_chain' AND address IS NOT NULL
),
run_addresses AS (
    SELECT * FROM trace_addresses WHERE run_id = $run_id
)
SELECT p.finding_id, p.chain, p.address, p.related, p.asset, CAST(p.amount AS VARCHAR) AS amount,
       p.tx_hashes, h.hop, h.cluster_id, d.role, d.subrole, d.label, d.exchange
FROM peels p
LEFT JOIN run_addresses h ON h.chain = p.chain AND h.address = p.address
LEFT JOIN run_addresses d ON d.chain = p.chain AND d.address = p.related
