-- name: fetch_checkpoint
-- Move an address's checkpoint for a source forward (never back): every transfer of the address
-- up to $through_block is stored. Parameters: $chain, $address, $source, $through_block, $updated_at
INSERT INTO fetch_checkpoints VALUES ($chain, $address, $source, $through_block, $updated_at)
ON CONFLICT DO UPDATE SET
    through_block = greatest(fetch_checkpoints.through_block, excluded.through_block),
    updated_at = excluded.updated_at
