-- name: monitors
-- The monitors (active ones, or all with $include_removed), each with its case's last finished pass.
-- Parameters: $include_removed
WITH
last_pass AS (
    SELECT case_id, max(finished_at) AS finished_at FROM monitor_passes GROUP BY case_id
)
SELECT m.monitor_id, m.case_id, coalesce(m.chain, ''), coalesce(m.address, ''), m.cron,
       coalesce(m.webhook, ''), m.created_at, m.removed_at, p.finished_at
FROM monitors m
LEFT JOIN last_pass p USING (case_id)
WHERE $include_removed OR m.removed_at IS NULL
ORDER BY m.monitor_id
