-- name: peel_hop_flows
-- Which peel hop passed victim money to which other peel hop: what chains the hops and orders them.
-- Parameters: $run_id.
WITH
peel_hops AS (
    SELECT DISTINCT chain, address FROM findings
    WHERE run_id = $run_id AND kind = 'peel_chain' AND address IS NOT NULL
)
SELECT DISTINCT f.chain, f.from_address, f.to_address
FROM trace_flows f
JOIN peel_hops a ON a.chain = f.chain AND a.address = f.from_address
JOIN peel_hops b ON b.chain = f.chain AND b.address = f.to_address
WHERE f.run_id = $run_id AND f.from_address <> f.to_address
