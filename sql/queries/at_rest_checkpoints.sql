-- name: at_rest_checkpoints
-- Fetch checkpoints of the addresses holding funds at rest: a live source fetched their whole history.
-- Parameters: $run_id.
WITH
addresses AS (SELECT DISTINCT chain, address FROM funds_at_rest WHERE run_id = $run_id)
SELECT c.chain, c.address, c.source, c.through_block
FROM fetch_checkpoints c
JOIN addresses h ON h.chain = c.chain AND h.address = c.address
ORDER BY c.source
