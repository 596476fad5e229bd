-- name: sum_received
-- Exact total of one asset an address received (BIGNUM sum, read back as text; 0 when none).
-- Parameters: $chain, $address, $asset.
SELECT CAST(coalesce(sum(amount), CAST(0 AS BIGNUM)) AS VARCHAR) AS received
FROM transfers_to
WHERE chain = $chain AND to_address = $address AND asset = $asset
