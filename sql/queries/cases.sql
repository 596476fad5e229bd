-- name: cases
-- Every case (`tracers case list`): its title ('' when none), when it was opened, and how many of
-- its victim reports were accepted and refused.
WITH
verdicts AS (
    SELECT case_id,
           count(report_id) FILTER (WHERE status = 'accepted') AS accepted,
           count(report_id) FILTER (WHERE status = 'refused') AS refused
    FROM reports
    GROUP BY case_id
)
SELECT c.case_id, coalesce(c.title, '') AS title, c.opened_at,
       coalesce(v.accepted, 0) AS accepted, coalesce(v.refused, 0) AS refused
FROM cases c
LEFT JOIN verdicts v USING (case_id)
ORDER BY c.case_id
