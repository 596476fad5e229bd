-- name: victims
-- The run's victims: what each paid into the scam (hop-1 victim money), what its accepted reports
-- say it paid, and victims with neither ('none').
-- Parameters: $run_id, $case_id. Amounts as exact decimal text.
WITH
victims AS (
    SELECT chain, address, subrole, cluster_id FROM trace_addresses
    WHERE run_id = $run_id AND role = 'victim'
),
paid AS (
    SELECT chain, from_address AS address, asset, CAST(sum(traced_amount) AS VARCHAR) AS paid
    FROM trace_flows WHERE run_id = $run_id AND hop = 1
    GROUP BY ALL
),
reported AS (
    SELECT chain, victim_address AS address, asset, CAST(sum(amount) AS VARCHAR) AS reported,
           list(report_id ORDER BY report_id) AS report_ids
    FROM reports WHERE case_id = $case_id AND status = 'accepted'
    GROUP BY ALL
)
SELECT v.chain, v.address, v.subrole, v.cluster_id, 'paid' AS what, p.asset, p.paid, NULL
FROM victims v JOIN paid p USING (chain, address)
UNION ALL
SELECT v.chain, v.address, v.subrole, v.cluster_id, 'reported', r.asset, r.reported, r.report_ids
FROM victims v JOIN reported r USING (chain, address)
UNION ALL
SELECT v.chain, v.address, v.subrole, v.cluster_id, 'none', NULL, NULL, NULL
FROM victims v
