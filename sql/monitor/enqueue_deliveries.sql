-- name: enqueue_deliveries
-- A 'pending' delivery of each alert of $alert_ids to $webhook; rows already there (pending or
-- delivered) are left as they are. Gives the number of rows added.
-- Parameters: $webhook, $allow_private, $alert_ids (a list)
INSERT INTO alert_deliveries (alert_id, webhook, status, attempts, allow_private)
SELECT alert_id, $webhook, 'pending', 0, $allow_private
FROM alerts
WHERE list_contains($alert_ids, alert_id)
ON CONFLICT DO NOTHING
