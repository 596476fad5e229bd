-- name: delivery_failed
-- A pending delivery that failed every try of this call (or was not tried: $tries = 0): stays
-- pending, its tries counted and the last error kept. A row already delivered is not touched.
-- Parameters: $alert_id, $webhook, $tries, $error, $at
UPDATE alert_deliveries
SET attempts = attempts + $tries, last_error = $error,
    last_attempt_at = CASE WHEN $tries > 0 THEN $at ELSE last_attempt_at END
WHERE alert_id = $alert_id AND webhook = $webhook AND status = 'pending'
