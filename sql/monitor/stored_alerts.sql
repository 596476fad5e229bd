-- name: stored_alerts
-- The stored alerts (of one case, and since a time, when given), oldest first, each with its
-- asset's decimals and the status of each of its deliveries (comma-separated, '' when none).
-- Amounts as exact text. Parameters: $case_id, $since (either NULL: no filter)
WITH
delivery AS (
    SELECT alert_id, string_agg(status, ',') AS statuses FROM alert_deliveries GROUP BY alert_id
)
SELECT a.alert_id, a.case_id, a.kind, a.chain, a.address, a.related, a.asset,
       CAST(a.amount AS VARCHAR), CAST(a.traced_amount AS VARCHAR), a.tx_hash, a.position,
       a.block_number, a.block_time, a.detail, a.evidence, a.created_at, s.decimals,
       coalesce(d.statuses, '') AS delivery
FROM alerts a
LEFT JOIN assets s ON s.chain = a.chain AND s.asset = a.asset
LEFT JOIN delivery d ON d.alert_id = a.alert_id
WHERE ($case_id IS NULL OR a.case_id = $case_id) AND ($since IS NULL OR a.created_at >= $since)
ORDER BY a.created_at, a.block_number NULLS FIRST, a.alert_id
