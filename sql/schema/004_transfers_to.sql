-- name: 004_transfers_to
-- The transfers again, kept in receiver order: a trace looks addresses up by sender (transfers,
-- written in sender order) and by receiver (this table), and DuckDB skips every row group whose
-- address range cannot hold the ones asked for. Without it every lookup reads the whole chain, and
-- a case's cost would follow the size of the store. Written together with transfers, always in
-- the same transaction (tracers/store/write.py, sql/import/etl_write.sql); never alone.
CREATE TABLE IF NOT EXISTS transfers_to (
    chain        VARCHAR  NOT NULL,
    asset        VARCHAR  NOT NULL,
    kind         VARCHAR  NOT NULL,
    tx_hash      VARCHAR  NOT NULL,
    position     INTEGER  NOT NULL,
    block_number BIGINT   NOT NULL,
    tx_index     INTEGER,
    block_time   TIMESTAMPTZ NOT NULL,
    from_address VARCHAR,
    to_address   VARCHAR,
    amount       BIGNUM   NOT NULL,
    source       VARCHAR  NOT NULL
);

INSERT INTO transfers_to SELECT * FROM transfers ORDER BY chain, to_address;
