-- name: 005_monitor
-- Monitoring: what is watched, the alerts a pass raised (each chain event once), and the delivery
-- of each alert to each webhook (pending until delivered: never lost).

CREATE TABLE IF NOT EXISTS monitors (
    monitor_id   VARCHAR PRIMARY KEY,  -- '<case>' (the case's cluster) or '<case>:<chain>:<address>'
    case_id      VARCHAR NOT NULL,
    chain        VARCHAR,              -- for an address monitor
    address      VARCHAR,
    cron         VARCHAR NOT NULL,
    webhook      VARCHAR,
    created_at   TIMESTAMPTZ NOT NULL,
    removed_at   TIMESTAMPTZ
);

-- Each pass of a case: the trace run it compared against and the one it made.
CREATE TABLE IF NOT EXISTS monitor_passes (
    pass_id      VARCHAR PRIMARY KEY,  -- '<case>:pass:<n>'
    case_id      VARCHAR NOT NULL,
    baseline_run VARCHAR,              -- NULL on the first pass (it only records the baseline)
    run_id       VARCHAR NOT NULL,
    through_blocks VARCHAR NOT NULL,   -- JSON {chain: newest block stored}: later events are new
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    alerts       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS alerts (
    alert_id     VARCHAR PRIMARY KEY,  -- sha256 of (case, kind, chain, tx, kind, position, address)
    case_id      VARCHAR NOT NULL,
    pass_id      VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,     -- outflow | deposit | new_deposit_address | new_member
                                       -- | funds_moving | sanctioned | mixer | bridge
    chain        VARCHAR NOT NULL,
    address      VARCHAR,              -- the watched / new address the alert is about
    related      VARCHAR,              -- the counterparty (deposit address, exchange, mixer, ...)
    asset        VARCHAR,
    amount       BIGNUM,
    traced_amount BIGNUM,
    tx_hash      VARCHAR,
    position     INTEGER,
    block_number BIGINT,
    block_time   TIMESTAMPTZ,
    detail       VARCHAR NOT NULL,     -- one sentence
    evidence     VARCHAR NOT NULL,     -- JSON: finding ids and tx hashes of the run behind it
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id     VARCHAR NOT NULL,
    webhook      VARCHAR NOT NULL,
    status       VARCHAR NOT NULL CHECK (status IN ('pending', 'delivered')),
    attempts     INTEGER NOT NULL,
    last_error   VARCHAR,
    last_attempt_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    PRIMARY KEY (alert_id, webhook)
);
