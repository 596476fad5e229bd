-- name: stored_alert_ids
-- Which of the alert ids $alert_ids the store holds. Parameters: $alert_ids (a list)
SELECT alert_id FROM alerts WHERE list_contains($alert_ids, alert_id)
