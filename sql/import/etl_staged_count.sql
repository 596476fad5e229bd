-- name: etl_staged_count
-- The transfers the staged files hold: token transfers, value-carrying transactions that did not
-- fail, and internal transfers (traces).
SELECT (SELECT count(*) FROM stage_token_transfers)
       + (SELECT count(*) FROM stage_transactions WHERE NOT failed)
       + (SELECT count(*) FROM stage_traces) AS transfers
