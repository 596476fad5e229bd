-- name: at_rest_balances
-- What the store says each holding at rest holds of its asset: everything in, everything out.
-- Parameters: $run_id. Amounts as exact decimal text (NULL: nothing stored that way).
WITH
held AS (SELECT DISTINCT chain, address, asset FROM funds_at_rest WHERE run_id = $run_id),
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
SELECT h.chain, h.address, h.asset, CAST(i.amount AS VARCHAR) AS inflow, CAST(o.amount AS VARCHAR) AS outflow
FROM held h
LEFT JOIN inflow i ON i.chain = h.chain AND i.address = h.address AND i.asset = h.asset
LEFT JOIN outflow o ON o.chain = h.chain AND o.address = h.address AND o.asset = h.asset
