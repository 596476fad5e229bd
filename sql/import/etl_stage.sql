-- name: etl_stage
-- Typed staging tables from the raw_* views tracers/etl.py opens over the files; each file is
-- scanned once. Every row of every file is checked on the columns tracers reads: a row with a
-- malformed cell is kept with `problem` = {column, kind, value} of its first bad cell, for
-- etl_checks.sql to refuse the import by. Parameters: $chain.

CREATE OR REPLACE TEMP TABLE stage_blocks AS
SELECT block_number, block_hash, block_time,
       CASE WHEN block_number IS NULL THEN etl_bad('number', 'integer', number)
            WHEN NOT (etl_sane_time(block_time) OR (block_number = 0 AND block_time IS NOT NULL))
                THEN etl_bad('timestamp', 'time', "timestamp")  -- a genesis block may say 0
            WHEN NOT (etl_blank(hash) OR etl_is_hash(hash)) THEN etl_bad('hash', 'hash', hash)
       END AS problem
FROM (
    SELECT number, hash, "timestamp", etl_int(number, 18) AS block_number, etl_addr(hash) AS block_hash,
           etl_time("timestamp") AS block_time
    FROM raw_blocks
);

-- Receipts: which transactions failed (status 0) and the contract a creation made.
CREATE OR REPLACE TEMP TABLE stage_receipts AS
SELECT * FROM (
    SELECT etl_addr(transaction_hash) AS tx_hash,
           coalesce(status = '0', false) AS failed,
           etl_addr(contract_address) AS contract_address,
           CASE WHEN NOT etl_is_hash(transaction_hash) THEN etl_bad('transaction_hash', 'hash', transaction_hash)
                WHEN NOT (etl_blank(status) OR status IN ('0', '1')) THEN etl_bad('status', 'status', status)
                WHEN NOT (etl_blank(contract_address) OR etl_is_address(contract_address))
                    THEN etl_bad('contract_address', 'address', contract_address)
           END AS problem
    FROM raw_receipts
)
WHERE failed OR contract_address IS NOT NULL OR problem IS NOT NULL;

-- Transactions that carry ether (value other than 0), failed ones included (marked). The status
-- comes from the transaction's own receipt_status column (stream exports, BigQuery) or from
-- receipts.csv.
CREATE OR REPLACE TEMP TABLE stage_transactions AS
WITH typed AS (
    SELECT t.*, etl_addr(t.hash) AS tx_hash, etl_int(t.block_number, 18) AS number,
           etl_int(t.transaction_index, 9) AS tx_index, etl_uint(t.value) AS amount,
           etl_time(t.block_timestamp) AS tx_block_time
    FROM raw_transactions t
),
checked AS (
    SELECT t.tx_hash, t.number AS block_number, t.tx_index, etl_addr(t.from_address) AS from_address,
           coalesce(etl_addr(t.to_address), etl_addr(t.receipt_contract_address)) AS to_address,
           t.amount,
           coalesce(t.receipt_status = '0', false) OR r.tx_hash IS NOT NULL AS failed,
           t.tx_block_time,
           CASE WHEN NOT etl_is_hash(t.hash) THEN etl_bad('hash', 'hash', t.hash)
                WHEN t.number IS NULL THEN etl_bad('block_number', 'integer', t.block_number)
                WHEN NOT (etl_blank(t.transaction_index) OR t.tx_index IS NOT NULL)
                    THEN etl_bad('transaction_index', 'integer', t.transaction_index)
                WHEN NOT etl_is_address(t.from_address) THEN etl_bad('from_address', 'address', t.from_address)
                WHEN NOT (etl_blank(t.to_address) OR etl_is_address(t.to_address))
                    THEN etl_bad('to_address', 'address', t.to_address)
                WHEN t.amount IS NULL THEN etl_bad('value', 'amount', t.value)
                WHEN NOT (etl_blank(t.block_timestamp) OR etl_sane_time(t.tx_block_time))
                    THEN etl_bad('block_timestamp', 'time', t.block_timestamp)
                WHEN NOT (etl_blank(t.receipt_status) OR t.receipt_status IN ('0', '1'))
                    THEN etl_bad('receipt_status', 'status', t.receipt_status)
                WHEN NOT (etl_blank(t.receipt_contract_address) OR etl_is_address(t.receipt_contract_address))
                    THEN etl_bad('receipt_contract_address', 'address', t.receipt_contract_address)
           END AS problem
    FROM typed t
    LEFT JOIN (SELECT DISTINCT tx_hash FROM stage_receipts WHERE failed) r ON r.tx_hash = t.tx_hash
)
SELECT * FROM checked
WHERE amount <> 0 OR failed OR problem IS NOT NULL;

-- Failed transactions: their value did not move.
CREATE OR REPLACE TEMP TABLE stage_failed AS
SELECT tx_hash FROM stage_transactions WHERE failed
UNION
SELECT tx_hash FROM stage_receipts WHERE failed;

-- A contract creation pays its new contract: the address is in receipts.csv when the
-- transactions file does not carry it.
UPDATE stage_transactions s
SET to_address = r.contract_address
FROM stage_receipts r
WHERE s.to_address IS NULL AND r.contract_address IS NOT NULL AND r.tx_hash = s.tx_hash;

CREATE OR REPLACE TEMP TABLE stage_token_transfers AS
SELECT etl_addr(token_address) AS asset, tx_hash, CAST(log AS INTEGER) AS position, number AS block_number,
       etl_addr(from_address) AS from_address, etl_addr(to_address) AS to_address, amount, tt_block_time,
       CASE WHEN NOT etl_is_address(token_address) THEN etl_bad('token_address', 'address', token_address)
            WHEN NOT etl_is_address(from_address) THEN etl_bad('from_address', 'address', from_address)
            WHEN NOT etl_is_address(to_address) THEN etl_bad('to_address', 'address', to_address)
            WHEN amount IS NULL THEN etl_bad('value', 'amount', value)
            WHEN NOT etl_is_hash(transaction_hash) THEN etl_bad('transaction_hash', 'hash', transaction_hash)
            WHEN log IS NULL THEN etl_bad('log_index', 'integer', log_index)
            WHEN number IS NULL THEN etl_bad('block_number', 'integer', block_number)
            WHEN NOT (etl_blank(block_timestamp) OR etl_sane_time(tt_block_time))
                THEN etl_bad('block_timestamp', 'time', block_timestamp)
       END AS problem
FROM (
    SELECT *, etl_addr(transaction_hash) AS tx_hash, etl_int(log_index, 9) AS log,
           etl_int(block_number, 18) AS number, etl_uint(value) AS amount,
           etl_time(block_timestamp) AS tt_block_time
    FROM raw_token_transfers
);

-- Internal ether transfers (ethereum-etl export_traces): calls that moved ether inside a
-- transaction, contract creations with an endowment, self-destructs paying out a balance. Not
-- the transaction's own call (its value is the native transfer above), not delegate/static calls
-- (they move nothing), not a trace that failed or sits under one that did (ethereum-etl's status
-- is 0 for both; an `error` on the trace or an ancestor says the same when status is absent).
-- Block rewards and genesis allocations belong to no transaction (no hash).
CREATE OR REPLACE TEMP TABLE stage_traces AS
WITH traces AS (
    SELECT etl_addr(transaction_hash) AS tx_hash, replace(coalesce(trace_address, ''), ' ', '') AS path,
           CASE WHEN NOT (etl_is_hash(transaction_hash)
                          OR (etl_blank(transaction_hash) AND trace_type IN ('reward', 'genesis', 'daofork')))
                    THEN etl_bad('transaction_hash', 'hash', transaction_hash)
                WHEN etl_int(block_number, 18) IS NULL THEN etl_bad('block_number', 'integer', block_number)
                WHEN NOT (etl_blank(transaction_index) OR etl_int(transaction_index, 9) IS NOT NULL)
                    THEN etl_bad('transaction_index', 'integer', transaction_index)
                WHEN NOT (etl_blank(from_address) OR etl_is_address(from_address))
                    THEN etl_bad('from_address', 'address', from_address)
                WHEN NOT (etl_blank(to_address) OR etl_is_address(to_address))
                    THEN etl_bad('to_address', 'address', to_address)
                WHEN NOT (etl_blank(value) OR etl_uint(value) IS NOT NULL) THEN etl_bad('value', 'amount', value)
                WHEN NOT regexp_full_match(replace(coalesce(trace_address, ''), ' ', ''), '([0-9]{1,9}(,[0-9]{1,9})*)?')
                    THEN etl_bad('trace_address', 'trace_address', trace_address)
                WHEN NOT (etl_blank(status) OR status IN ('0', '1')) THEN etl_bad('status', 'status', status)
           END AS problem,
           *
    FROM raw_traces
),
failed AS (
    SELECT DISTINCT tx_hash, path FROM traces WHERE status = '0' OR coalesce(error, '') <> ''
)
SELECT t.tx_hash,
       etl_int(t.block_number, 18)     AS block_number,
       etl_int(t.transaction_index, 9) AS tx_index,
       etl_addr(t.from_address)        AS from_address,
       etl_addr(t.to_address)          AS to_address,
       etl_uint(t.value)               AS amount,
       t.path,
       CASE WHEN t.problem IS NULL THEN etl_trace_position(t.path) END AS position,
       t.problem
FROM traces t
WHERE t.problem IS NOT NULL OR (
    t.path <> ''
    AND t.trace_type IN ('call', 'create', 'create2', 'suicide', 'selfdestruct')
    AND (t.trace_type <> 'call' OR coalesce(nullif(t.call_type, ''), 'call') = 'call')
    AND NOT regexp_full_match(coalesce(nullif(t.value, ''), '0'), '0+(\.0*)?')
    AND NOT EXISTS (
        SELECT 1 FROM failed f
        WHERE f.tx_hash = t.tx_hash
          AND (f.path = '' OR f.path = t.path OR starts_with(t.path, f.path || ','))
    )
);

-- Block time of every block a transfer needs: from the blocks file, the times carried by the rows
-- and the store. block_time and other_time are the earliest and latest time given for a block:
-- when they differ the sources contradict each other, and etl_checks.sql refuses the import
-- (no time is silently preferred).
CREATE OR REPLACE TEMP TABLE stage_block_times AS
SELECT block_number, any_value(block_hash) AS block_hash, min(block_time) AS block_time,
       max(block_time) AS other_time
FROM (
    SELECT block_number, block_hash, block_time FROM stage_blocks WHERE problem IS NULL
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
