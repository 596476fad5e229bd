-- name: 002_trace
-- What a trace found, kept per run: the run and its parameters, every address's role with its
-- evidence, the transfers victim money moved through (with the victim-attributed amount), and
-- every finding (rule, parameters, the transactions it rests on). Exports read the latest run.

CREATE TABLE IF NOT EXISTS trace_runs (
    run_id        VARCHAR PRIMARY KEY,   -- '<case>:<n>'
    case_id       VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,      -- running | done | failed
    params        VARCHAR NOT NULL,      -- JSON: every parameter of the run
    tool_version  VARCHAR NOT NULL,
    summary       VARCHAR                -- JSON: counts and totals
);

-- Every address of the case graph and what the trace says it is.
-- role: victim | perpetrator | deposit_wallet | exchange | service | unknown (INTERPOL DW-CC)
CREATE TABLE IF NOT EXISTS trace_addresses (
    run_id      VARCHAR NOT NULL,
    chain       VARCHAR NOT NULL,
    address     VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    subrole     VARCHAR,             -- collection, consolidator, peel_hop, gas_feeder, payout,
                                     -- reported / discovered (victims), otc_like, ...
    cluster_id  VARCHAR,
    label       VARCHAR,
    exchange    VARCHAR,             -- actor of the exchange, for deposit wallets and hot wallets
    confidence  INTEGER,             -- 0-100
    hop         INTEGER,             -- hops from the nearest seed (NULL: not on a money path)
    evidence    VARCHAR NOT NULL,    -- JSON list of finding ids
    PRIMARY KEY (run_id, chain, address)
);

-- Transfers that carried victim money, with how much of it (exact) and from which reports.
CREATE TABLE IF NOT EXISTS trace_flows (
    run_id        VARCHAR NOT NULL,
    chain         VARCHAR NOT NULL,
    asset         VARCHAR NOT NULL,
    tx_hash       VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    block_number  BIGINT NOT NULL,
    block_time    TIMESTAMPTZ NOT NULL,
    from_address  VARCHAR,
    to_address    VARCHAR,
    amount        BIGNUM NOT NULL,   -- the whole transfer
    traced_amount BIGNUM NOT NULL,   -- the victim-attributed part under the run's taint model
    hop           INTEGER NOT NULL,  -- 1 = the victim's payment into the scam
    report_ids    VARCHAR[] NOT NULL,-- reports (and 'discovered:<victim>') whose money it carries
    PRIMARY KEY (run_id, chain, tx_hash, kind, position)
);

-- Every finding: a role, a cluster link, a peel hop, a deposit tag, an attribution, a transfer not
-- followed. Each names its rule, the rule's parameters and the transactions it rests on.
CREATE TABLE IF NOT EXISTS findings (
    run_id       VARCHAR NOT NULL,
    finding_id   VARCHAR NOT NULL,   -- '<rule>:<n>'
    kind         VARCHAR NOT NULL,   -- role | cluster_link | peel_chain | deposit_tag | attribution
                                     -- | not_followed | endpoint
    rule         VARCHAR NOT NULL,   -- e.g. deposit_address, fan_in, peel_chain, gas_feeder
    chain        VARCHAR NOT NULL,
    address      VARCHAR,
    related      VARCHAR,            -- the other address (hot wallet, consolidator, feeder, ...)
    asset        VARCHAR,
    amount       BIGNUM,
    confidence   INTEGER,
    params       VARCHAR NOT NULL,   -- JSON: the rule's parameters
    tx_hashes    VARCHAR[] NOT NULL,
    detail       VARCHAR NOT NULL,   -- one sentence a person can read
    PRIMARY KEY (run_id, finding_id)
);
