-- name: latest_run
-- The case's finished trace run with the latest start: the run every export and report reads.
-- Parameters: $case_id.
SELECT run_id, started_at, finished_at, params, tool_version
FROM trace_runs
WHERE case_id = $case_id AND status = 'done'
ORDER BY started_at DESC, finished_at DESC NULLS LAST, run_id DESC
LIMIT 1
