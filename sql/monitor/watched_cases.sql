-- name: watched_cases
-- The active monitors (of one case when $case_id is given), each with its webhook and schedule and
-- when its case's last pass started.
-- Parameters: $case_id (NULL: every case)
WITH
last_pass AS (
    SELECT case_id, max(started_at) AS started_at FROM monitor_passes GROUP BY case_id
)
SELECT m.case_id, m.webhook, coalesce(m.allow_private_webhook, false), m.cron, p.started_at
FROM monitors m
LEFT JOIN last_pass p USING (case_id)
WHERE m.removed_at IS NULL AND ($case_id IS NULL OR m.case_id = $case_id)
ORDER BY m.case_id, m.monitor_id
