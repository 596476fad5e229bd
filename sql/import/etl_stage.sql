-- name: etl_stage
-- Typed, de-duplicated staging tables from the raw_* views tracers/etl.py opens over the files.
-- Parameters: $chain, $source.

CREATE OR REPLACE TEMP TABLE stage_blocks AS
WITH typed AS (
    SELECT CAST(trim(number) AS BIGINT) AS block_number,
           etl_addr(hash)              AS block_hash,
           etl_time("timestamp")       AS block_time
    FROM raw_blocks
    WHERE number IS NOT NULL AND trim(number) <> ''
)
SELECT * FROM typed
QUALIFY row_number() OVER (PARTITION BY block_number ORDER BY block_hash) = 1;

-- status: the transaction's own receipt_status column (stream / BigQuery), else receipts.csv.
CREATE OR REPLACE TEMP TABLE stage_transactions AS
WITH receipts AS (
    SELECT etl_addr(transaction_hash) AS tx_hash,
           any_value(try_cast(trim(status) AS INTEGER)) AS status,
           any_value(etl_addr(contract_address)) AS contract_address
    FROM raw_receipts
    GROUP BY ALL
),
typed AS (
    SELECT etl_addr(t.hash)                                   AS tx_hash,
           CAST(trim(t.block_number) AS BIGINT)               AS block_number,
           try_cast(trim(t.transaction_index) AS INTEGER)     AS tx_index,
           etl_addr(t.from_address)                           AS from_address,
           coalesce(etl_addr(t.to_address), etl_addr(t.receipt_contract_address),
                    r.contract_address)                       AS to_address,
           t.value                                            AS value_text,
           etl_uint(t.value)                                  AS amount,
           coalesce(try_cast(trim(t.receipt_status) AS INTEGER), r.status) AS status,
           etl_time(t.block_timestamp)                        AS tx_block_time
    FROM raw_transactions t
    LEFT JOIN receipts r ON r.tx_hash = etl_addr(t.hash)
)
SELECT * FROM typed
QUALIFY row_number() OVER (PARTITION BY tx_hash ORDER BY block_number) = 1;

CREATE OR REPLACE TEMP TABLE stage_token_transfers AS
WITH typed AS (
    SELECT etl_addr(token_address)                AS asset,
           etl_addr(transaction_hash)             AS tx_hash,
           CAST(trim(log_index) AS INTEGER)       AS position,
           CAST(trim(block_number) AS BIGINT)     AS block_number,
           etl_addr(from_address)                 AS from_address,
           etl_addr(to_address)                   AS to_address,
           value                                  AS value_text,
           etl_uint(value)                        AS amount,
           etl_time(block_timestamp)              AS tt_block_time
    FROM raw_token_transfers
)
SELECT * FROM typed
QUALIFY row_number() OVER (PARTITION BY tx_hash, position ORDER BY block_number) = 1;

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

CREATE OR REPLACE TEMP TABLE stage_transfers AS
SELECT $chain AS chain, 'native' AS asset, 'native' AS kind, t.tx_hash, 0 AS position,
       t.block_number, t.tx_index, b.block_time, t.from_address, t.to_address, t.amount,
       $source AS source
FROM stage_transactions t
LEFT JOIN stage_block_times b USING (block_number)
WHERE t.amount > 0 AND coalesce(t.status, 1) <> 0
UNION ALL
SELECT $chain, tt.asset, 'token', tt.tx_hash, tt.position, tt.block_number, t.tx_index,
       b.block_time, tt.from_address, tt.to_address, tt.amount, $source
FROM stage_token_transfers tt
LEFT JOIN stage_transactions t USING (tx_hash)
LEFT JOIN stage_block_times b ON b.block_number = tt.block_number;
