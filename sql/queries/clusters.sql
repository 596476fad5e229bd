-- name: clusters
-- The run's clusters: each member address with its part (subrole, else role).
-- Parameters: $run_id.
SELECT cluster_id, coalesce(subrole, role) AS part, chain, address
FROM trace_addresses
WHERE run_id = $run_id AND cluster_id IS NOT NULL
ORDER BY cluster_id, part, address, chain
