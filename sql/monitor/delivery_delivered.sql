-- name: delivery_delivered
-- A pending delivery answered 2xx: delivered, after $tries more tries (the last failure, if one
-- came first, kept). A row already delivered is not touched.
-- Parameters: $alert_id, $webhook, $tries, $error, $at
UPDATE alert_deliveries
SET status = 'delivered', attempts = attempts + $tries, last_error = coalesce($error, last_error),
    last_attempt_at = $at, delivered_at = $at
WHERE alert_id = $alert_id AND webhook = $webhook AND status = 'pending'
