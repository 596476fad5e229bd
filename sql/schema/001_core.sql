-- name: 001_core
-- The case store: chain data, what is publicly known about addresses, cases, victim reports, seeds.
--
-- Amounts are BIGNUM: exact integers in base units up to and beyond 2^256-1 (spam tokens send more
-- than 2^255; HUGEINT, UHUGEINT and DECIMAL(38,0) would overflow). Read them as VARCHAR, never
-- through polars/Arrow as numbers.
--
-- One table for value movements on every chain family:
--   EVM / Tron: kind 'native' (position 0: the transaction's own value), 'internal' (position = trace
--               index), 'token' (position = log index); from_address and to_address both set.
--   UTXO (later): kind 'utxo_in' (position = input index, from_address = spent output's address,
--               to_address NULL) and 'utxo_out' (position = output index, to_address set,
--               from_address NULL); a transaction's inputs and outputs share its tx_hash.
-- asset is 'native' or the token contract in the chain's canonical address form.

CREATE TABLE IF NOT EXISTS assets (
    chain       VARCHAR NOT NULL,
    asset       VARCHAR NOT NULL,   -- 'native' or token contract
    symbol      VARCHAR,
    name        VARCHAR,
    decimals    INTEGER,            -- NULL when unknown
    issuer      VARCHAR,            -- who can freeze it (Tether, Circle), if known
    source      VARCHAR NOT NULL,   -- where this row came from: 'builtin', 'tokens.csv', ...
    PRIMARY KEY (chain, asset)
);

CREATE TABLE IF NOT EXISTS transfers (
    chain        VARCHAR  NOT NULL,
    asset        VARCHAR  NOT NULL,
    kind         VARCHAR  NOT NULL, -- native | internal | token | utxo_in | utxo_out
    tx_hash      VARCHAR  NOT NULL,
    position     INTEGER  NOT NULL, -- log index, trace index, vin/vout, 0 for a native value
    block_number BIGINT   NOT NULL,
    tx_index     INTEGER,           -- transaction's index in its block, when known
    block_time   TIMESTAMPTZ NOT NULL,
    from_address VARCHAR,
    to_address   VARCHAR,
    amount       BIGNUM   NOT NULL, -- base units, exact
    source       VARCHAR  NOT NULL  -- 'etl:<dir>', 'rpc', 'explorer', 'tron'
);

CREATE TABLE IF NOT EXISTS blocks (
    chain        VARCHAR NOT NULL,
    block_number BIGINT  NOT NULL,
    block_hash   VARCHAR,
    block_time   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain, block_number)
);

-- Failed transactions (they moved nothing), so that a report of one can say so rather than
-- "not found". Transactions that moved value are in transfers.
CREATE TABLE IF NOT EXISTS transactions (
    chain        VARCHAR NOT NULL,
    tx_hash      VARCHAR NOT NULL,
    block_number BIGINT  NOT NULL,
    tx_index     INTEGER,
    from_address VARCHAR,
    to_address   VARCHAR,
    status       INTEGER,           -- 0: failed
    PRIMARY KEY (chain, tx_hash)
);

CREATE TABLE IF NOT EXISTS imports (
    import_id    VARCHAR PRIMARY KEY,   -- what was imported: 'etl:<abs dir>', 'tags:<name>', ...
    kind         VARCHAR NOT NULL,
    detail       VARCHAR,               -- JSON: files, sha256s, row counts
    imported_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS tags (
    tagpack      VARCHAR NOT NULL,  -- file name it came from ('ofac.yaml'); re-import replaces it
    tag_index    INTEGER NOT NULL,  -- position in that file (0-based)
    chain        VARCHAR NOT NULL,  -- tracers chain name, or the TagPack currency lowercased
    address      VARCHAR NOT NULL,  -- canonical form for chains tracers knows
    label        VARCHAR NOT NULL,
    category     VARCHAR,           -- INTERPOL DW-CC / GraphSense category
    actor        VARCHAR,           -- who controls it (binance, tornado, ...)
    confidence   INTEGER,           -- 0-100 (GraphSense levels mapped)
    source       VARCHAR,
    abuse        VARCHAR,
    is_public    BOOLEAN,
    concepts     VARCHAR[],
    context      VARCHAR,
    PRIMARY KEY (tagpack, tag_index)
);

CREATE TABLE IF NOT EXISTS cases (
    case_id     VARCHAR PRIMARY KEY,
    title       VARCHAR,
    opened_at   TIMESTAMPTZ NOT NULL
);

-- Victim reports as received, with the verdict of intake.
CREATE TABLE IF NOT EXISTS reports (
    case_id        VARCHAR NOT NULL,
    report_id      VARCHAR NOT NULL,
    line           INTEGER NOT NULL,  -- line in the imported file (header is line 1)
    reported_at    TIMESTAMPTZ,
    chain          VARCHAR,
    asset          VARCHAR,           -- as resolved ('native' or contract), else as written
    tx_hash        VARCHAR,
    victim_address VARCHAR,
    scam_address   VARCHAR,
    amount_text    VARCHAR,           -- as written, in token units
    amount         BIGNUM,            -- base units, when it parsed
    status         VARCHAR NOT NULL CHECK (status IN ('accepted', 'refused')),
    reason_code    VARCHAR,
    reason         VARCHAR,
    source_file    VARCHAR,
    imported_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, report_id)
);

-- Where a trace starts: the victim payment an accepted report points at (or an address an analyst
-- adds). A seed from a report names the exact transfer it rests on.
CREATE TABLE IF NOT EXISTS seeds (
    case_id      VARCHAR NOT NULL,
    seed_id      VARCHAR NOT NULL,   -- 'report:<report_id>' or 'address:<chain>:<address>'
    chain        VARCHAR NOT NULL,
    address      VARCHAR NOT NULL,   -- the scam address money was paid to
    asset        VARCHAR,
    tx_hash      VARCHAR,
    position     INTEGER,
    amount       BIGNUM,
    victim_address VARCHAR,
    report_id    VARCHAR,
    added_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, seed_id)
);
