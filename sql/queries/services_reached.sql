-- name: services_reached
-- Every service of the run (OTC desk, mixer, bridge, ...) and the victim money it received per asset
-- (no asset row: it received none).
-- Parameters: $run_id. Amounts as exact decimal text.
WITH
services AS (
    SELECT chain, address, subrole, label FROM trace_addresses
    WHERE run_id = $run_id AND role = 'service'
),
victim_money_in AS (
    SELECT chain, to_address, asset, traced_amount FROM trace_flows
    WHERE run_id = $run_id AND traced_amount > 0
)
SELECT s.chain, s.address, s.subrole, s.label, f.asset, CAST(sum(f.traced_amount) AS VARCHAR) AS traced
FROM services s
LEFT JOIN victim_money_in f ON f.chain = s.chain AND f.to_address = s.address
GROUP BY ALL
ORDER BY s.chain, s.address, f.asset
