-- name: senders_into
-- Who sent anything to the addresses in temp table trace_members (to fetch before the clustering
-- rules read them). Inputs: temp table trace_members(address). Parameters: $chain
SELECT DISTINCT from_address
FROM transfers_to
WHERE chain = $chain AND from_address IS NOT NULL
  AND to_address IN (SELECT address FROM trace_members)
