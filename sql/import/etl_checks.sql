-- name: etl_checks
-- Rows the import cannot take, one line per problem kind with a count and the first example.
-- Empty result: the staged data is whole. Parameters: none.

SELECT 'transactions' AS file, 'value' AS field, count(*) AS rows,
       any_value(tx_hash || ' has value ' || coalesce(value_text, 'NULL')) AS example,
       'values must be whole numbers of wei' AS fix
FROM stage_transactions WHERE amount IS NULL HAVING count(*) > 0
UNION ALL
SELECT 'token_transfers', 'value', count(*),
       any_value(tx_hash || ' log ' || position || ' has value ' || coalesce(value_text, 'NULL')),
       'values must be whole numbers of base units'
FROM stage_token_transfers WHERE amount IS NULL HAVING count(*) > 0
UNION ALL
SELECT 'token_transfers', 'from_address/to_address/token_address', count(*),
       any_value(tx_hash || ' log ' || position),
       'every token transfer needs token, sender and receiver'
FROM stage_token_transfers
WHERE asset IS NULL OR from_address IS NULL OR to_address IS NULL HAVING count(*) > 0
UNION ALL
SELECT 'traces', 'value', count(*),
       any_value(tx_hash || ' trace ' || path || ' has value ' || coalesce(value_text, 'NULL')),
       'values must be whole numbers of wei'
FROM stage_traces WHERE amount IS NULL HAVING count(*) > 0
UNION ALL
SELECT 'traces', 'trace_address', count(*), any_value(tx_hash || ' trace ' || path),
       'trace addresses are call indexes joined by commas, such as 0,1,1'
FROM stage_traces WHERE position IS NULL HAVING count(*) > 0
UNION ALL
SELECT 'blocks', 'timestamp', count(*),
       'block ' || min(block_number) || ' .. ' || max(block_number),
       'add blocks.csv covering these blocks (ethereum-etl export_blocks_and_transactions)'
FROM (
    SELECT block_number FROM stage_token_transfers
    UNION ALL
    SELECT block_number FROM stage_transactions WHERE NOT failed
    UNION ALL
    SELECT block_number FROM stage_traces
) needed
ANTI JOIN stage_block_times USING (block_number)
HAVING count(*) > 0;
