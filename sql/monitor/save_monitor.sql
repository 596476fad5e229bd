-- name: save_monitor
-- Add a monitor, or bring back (and reschedule) one of the same id, removed or not.
-- Parameters: $monitor_id, $case_id, $chain, $address, $cron, $webhook, $created_at, $allow_private_webhook
INSERT INTO monitors (monitor_id, case_id, chain, address, cron, webhook, created_at, removed_at,
                      allow_private_webhook)
VALUES ($monitor_id, $case_id, $chain, $address, $cron, $webhook, $created_at, NULL, $allow_private_webhook)
ON CONFLICT DO UPDATE SET cron = excluded.cron, webhook = excluded.webhook,
    allow_private_webhook = excluded.allow_private_webhook, removed_at = NULL
