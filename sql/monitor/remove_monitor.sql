-- name: remove_monitor
-- Remove an active monitor (kept, marked removed); one row when there was one to remove.
-- Parameters: $monitor_id, $removed_at
UPDATE monitors SET removed_at = $removed_at WHERE monitor_id = $monitor_id AND removed_at IS NULL RETURNING 1
