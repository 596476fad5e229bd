-- name: newer_unfinished_runs
-- Trace runs of the case started after $started_at that did not finish (running, failed), oldest first.
-- Parameters: $case_id, $started_at.
SELECT run_id, status
FROM trace_runs
WHERE case_id = $case_id AND status <> 'done' AND started_at > $started_at
ORDER BY started_at, run_id
