-- name: run_addresses
-- Every address of the run with its role, cluster, label, exchange, confidence, hop and the ids
-- of the findings behind its role (a JSON list).
-- Parameters: $run_id.
SELECT chain, address, role, subrole, cluster_id, label, exchange, confidence, hop, evidence
FROM trace_addresses
WHERE run_id = $run_id
