-- name: pending_deliveries
-- The (alert, webhook) deliveries still pending, oldest alert first: the webhook, whether it may be
-- private, the tries so far, then the alert's fields (amounts as exact text). A case's alone when
-- $case_id is given. Parameters: $case_id (NULL: every case)
WITH
pending AS (
    SELECT alert_id, webhook, coalesce(allow_private, false) AS allow_private, attempts
    FROM alert_deliveries
    WHERE status = 'pending'
)
SELECT d.webhook, d.allow_private, d.attempts,
       a.alert_id, a.case_id, a.pass_id, a.kind, a.chain, a.address, a.related, a.asset,
       CAST(a.amount AS VARCHAR) AS amount, CAST(a.traced_amount AS VARCHAR) AS traced_amount,
       a.tx_hash, a.position, a.block_number, a.block_time, a.detail, a.evidence, a.created_at
FROM pending d
JOIN alerts a USING (alert_id)
WHERE $case_id IS NULL OR a.case_id = $case_id
ORDER BY a.created_at, a.block_number NULLS FIRST, a.position NULLS FIRST, a.alert_id, d.webhook
