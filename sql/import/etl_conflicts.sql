-- name: etl_conflicts
-- Transfers the files give more than once with different contents: etl_dedupe.sql would keep one
-- of them silently, so tracers/etl.py refuses the import instead. Run only when there are repeats
-- (etl_duplicates.sql). Empty: every repeat is an exact copy. Parameters: none.
SELECT kind, tx_hash, position,
       count(DISTINCT {'asset': asset, 'block': block_number, 'from': from_address, 'to': to_address,
                       'amount': amount}) AS versions
FROM stage_transfers
GROUP BY ALL
HAVING versions > 1
ORDER BY ALL;
