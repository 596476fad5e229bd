-- name: etl_stage
-- Typed staging tables from the raw_* views tracers/etl.py opens over the files; each file is
-- scanned once. Parameters: $chain.

CREATE OR REPLACE TEMP TABLE stage_blocks AS
SELECT CAST(number AS BIGINT) AS block_number,
       etl_addr(hash)         AS block_hash,
       etl_time("timestamp")  AS block_time
FROM raw_blocks
WHERE number IS NOT NULL AND number <> '';

-- Failed transactions: their value did not move. The status comes from the transaction's own
-- receipt_status column (stream exports, BigQuery) or from receipts.csv.
CREATE OR REPLACE TEMP TABLE stage_failed AS
SELECT etl_addr(hash) AS tx_hash FROM raw_transactions WHERE receipt_status = '0'
UNION
SELECT etl_addr(transaction_hash) FROM raw_receipts WHERE status = '0';

-- Transactions that carry ether (value other than 0), failed ones included (marked).
CREATE OR REPLACE TEMP TABLE stage_transactions AS
SELECT etl_addr(t.hash)                               AS tx_hash,
       CAST(t.block_number AS BIGINT)                 AS block_number,
       try_cast(t.transaction_index AS INTEGER)       AS tx_index,
       etl_addr(t.from_address)                       AS from_address,
       coalesce(etl_addr(t.to_address), etl_addr(t.receipt_contract_address)) AS to_address,
       CASE WHEN etl_uint(t.value) IS NULL THEN t.value END AS value_text,
       etl_uint(t.value)                              AS amount,
       f.tx_hash IS NOT NULL                          AS failed,
       etl_time(t.block_timestamp)                    AS tx_block_time
FROM raw_transactions t
LEFT JOIN stage_failed f ON f.tx_hash = etl_addr(t.hash)
WHERE t.value IS NULL OR NOT regexp_full_match(t.value, '0+(\.0*)?')
   OR f.tx_hash IS NOT NULL;

-- A contract creation pays its new contract: the address is in receipts.csv when the
-- transactions file does not carry it.
UPDATE stage_transactions s
SET to_address = etl_addr(r.contract_address)
FROM raw_receipts r
WHERE s.to_address IS NULL AND etl_addr(r.transaction_hash) = s.tx_hash;

CREATE OR REPLACE TEMP TABLE stage_token_transfers AS
SELECT etl_addr(token_address)        AS asset,
       etl_addr(transaction_hash)     AS tx_hash,
       CAST(log_index AS INTEGER)     AS position,
       CAST(block_number AS BIGINT)   AS block_number,
       etl_addr(from_address)         AS from_address,
       etl_addr(to_address)           AS to_address,
       CASE WHEN etl_uint(value) IS NULL THEN value END AS value_text,
       etl_uint(value)                AS amount,
       etl_time(block_timestamp)      AS tt_block_time
FROM raw_token_transfers;

-- Internal ether transfers (ethereum-etl export_traces): calls that moved ether inside a
-- transaction, contract creations with an endowment, self-destructs paying out a balance. Not
-- the transaction's own call (its value is the native transfer above), not delegate/static calls
-- (they move nothing), not a trace that failed or sits under one that did (ethereum-etl's status
-- is 0 for both; an `error` on the trace or an ancestor says the same when status is absent).
CREATE OR REPLACE TEMP TABLE stage_traces AS
WITH traces AS (
    SELECT etl_addr(transaction_hash) AS tx_hash, replace(coalesce(trace_address, ''), ' ', '') AS path, *
    FROM raw_traces
),
failed AS (
    SELECT DISTINCT tx_hash, path FROM traces WHERE status = '0' OR coalesce(error, '') <> ''
)
SELECT t.tx_hash,
       CAST(t.block_number AS BIGINT)           AS block_number,
       try_cast(t.transaction_index AS INTEGER) AS tx_index,
       etl_addr(t.from_address)                 AS from_address,
       etl_addr(t.to_address)                   AS to_address,
       CASE WHEN etl_uint(t.value) IS NULL THEN t.value END AS value_text,
       etl_uint(t.value)                        AS amount,
       t.path,
       etl_trace_position(t.path)               AS position
FROM traces t
WHERE t.path <> ''
  AND t.trace_type IN ('call', 'create', 'create2', 'suicide', 'selfdestruct')
  AND (t.trace_type <> 'call' OR coalesce(nullif(t.call_type, ''), 'call') = 'call')
  AND NOT regexp_full_match(coalesce(nullif(t.value, ''), '0'), '0+(\.0*)?')
  AND NOT EXISTS (
      SELECT 1 FROM failed f
      WHERE f.tx_hash = t.tx_hash
        AND (f.path = '' OR f.path = t.path OR starts_with(t.path, f.path || ','))
  );

-- Block time of every block a transfer needs: blocks file first, then times carried by the rows.
CREATE OR REPLACE TEMP TABLE stage_block_times AS
SELECT block_number, any_value(block_hash) AS block_hash, min(block_time) AS block_time
FROM (
    SELECT block_number, block_hash, block_time FROM stage_blocks
    UNION ALL
    SELECT block_number, NULL, tx_block_time FROM stage_transactions WHERE tx_block_time IS NOT NULL
    UNION ALL
    SELECT block_number, NULL, tt_block_time FROM stage_token_transfers WHERE tt_block_time IS NOT NULL
    UNION ALL
    SELECT block_number, NULL, block_time FROM blocks WHERE chain = $chain
)
WHERE block_time IS NOT NULL
GROUP BY block_number;

-- Every value movement of the files, typed; a row repeated in the files counts once when it is
-- written (etl_write.sql). Token transfers are ordered by their block-global log index; the
-- transaction index orders ether transfers.
CREATE OR REPLACE TEMP VIEW stage_transfers AS
SELECT 'native' AS asset, 'native' AS kind, t.tx_hash, 0 AS position,
       t.block_number, t.tx_index, b.block_time, t.from_address, t.to_address, t.amount
FROM stage_transactions t
LEFT JOIN stage_block_times b USING (block_number)
WHERE NOT t.failed
UNION ALL
SELECT tt.asset, 'token', tt.tx_hash, tt.position, tt.block_number, NULL,
       b.block_time, tt.from_address, tt.to_address, tt.amount
FROM stage_token_transfers tt
LEFT JOIN stage_block_times b ON b.block_number = tt.block_number
UNION ALL
SELECT 'native', 'internal', it.tx_hash, it.position, it.block_number, it.tx_index,
       b.block_time, it.from_address, it.to_address, it.amount
FROM stage_traces it
LEFT JOIN stage_block_times b ON b.block_number = it.block_number;
