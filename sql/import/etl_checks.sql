-- name: etl_checks
-- Why the staged files cannot be imported, one row per kind of problem: the file (logical table),
-- the column, the kind of problem, how many rows have it and one example (for a malformed cell,
-- its value: tracers/etl.py finds that value's line in the file and says what the cell must hold).
-- Empty result: the files are whole. Parameters: none.

WITH malformed AS (
    SELECT 'blocks' AS file, problem FROM stage_blocks WHERE problem IS NOT NULL
    UNION ALL
    SELECT 'transactions', problem FROM stage_transactions WHERE problem IS NOT NULL
    UNION ALL
    SELECT 'receipts', problem FROM stage_receipts WHERE problem IS NOT NULL
    UNION ALL
    SELECT 'token_transfers', problem FROM stage_token_transfers WHERE problem IS NOT NULL
    UNION ALL
    SELECT 'traces', problem FROM stage_traces WHERE problem IS NOT NULL
    UNION ALL
    SELECT 'tokens', etl_bad('address', 'address', address) FROM raw_tokens WHERE NOT etl_is_address(address)
),
-- The blocks transfers are in: each needs a time (from blocks, a block_timestamp or the store).
needed AS (
    SELECT block_number FROM stage_token_transfers WHERE problem IS NULL
    UNION ALL
    SELECT block_number FROM stage_transactions WHERE problem IS NULL AND NOT failed
    UNION ALL
    SELECT block_number FROM stage_traces WHERE problem IS NULL
)
SELECT file, problem.column AS column_name, problem.kind AS kind, count(*) AS rows,
       min(problem.value) AS example
FROM malformed
GROUP BY ALL
UNION ALL
-- A contract creation that moved ether to a contract no file names.
SELECT 'transactions', 'to_address', 'creation', count(*), min(tx_hash)
FROM stage_transactions WHERE problem IS NULL AND NOT failed AND to_address IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'blocks', 'timestamp', 'untimed', count(*), 'block ' || min(block_number) || ' .. ' || max(block_number)
FROM needed ANTI JOIN stage_block_times USING (block_number)
HAVING count(*) > 0
UNION ALL
SELECT 'blocks', 'timestamp', 'contradicted', count(*),
       'block ' || min_by(block_number, block_number) || ' is given the times '
       || min_by(block_time, block_number) || ' and ' || min_by(other_time, block_number)
FROM stage_block_times WHERE block_time <> other_time
HAVING count(*) > 0
ORDER BY ALL;
