-- name: deposit_flows
-- Every transfer of the run that carried victim money into an exchange deposit address: what a
-- subpoena asks the exchange about, and what the summary and report count per exchange.
-- Parameters: $run_id. Amounts as exact decimal text.
WITH
deposit_wallets AS (
    SELECT chain, address, exchange, evidence
    FROM trace_addresses
    WHERE run_id = $run_id AND role = 'deposit_wallet'
),
victim_money_in AS (
    SELECT f.*
    FROM trace_flows f
    WHERE f.run_id = $run_id AND f.traced_amount > 0
)
SELECT coalesce(d.exchange, '') AS exchange, f.chain, f.asset, f.kind, f.position, d.address,
       f.tx_hash, f.block_number, f.block_time,
       CAST(f.amount AS VARCHAR) AS amount, CAST(f.traced_amount AS VARCHAR) AS traced_amount,
       f.hop, f.report_ids, f.from_address, d.evidence
FROM victim_money_in f
JOIN deposit_wallets d ON d.chain = f.chain AND d.address = f.to_address
