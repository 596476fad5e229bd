-- name: 003_sources
-- Live sources: how far each address has been fetched from each source, so that a rerun or a
-- later pass fetches only what is new; and what each fetch cost (requests), for the benchmarks.

CREATE TABLE IF NOT EXISTS fetch_checkpoints (
    chain        VARCHAR NOT NULL,
    address      VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,   -- rpc | explorer | tron
    through_block BIGINT NOT NULL,   -- every transfer of the address up to this block is stored
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain, address, source)
);

CREATE TABLE IF NOT EXISTS fetch_log (
    chain        VARCHAR NOT NULL,
    address      VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    from_block   BIGINT NOT NULL,
    through_block BIGINT NOT NULL,
    requests     INTEGER NOT NULL,
    transfers    INTEGER NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL
);
