-- name: delete_reports
-- Remove reports of a case (to write them again, corrected or with a new verdict) and the seeds
-- made of them. Parameters: $case_id, $report_ids (a list)
DELETE FROM reports
WHERE case_id = $case_id AND report_id IN (SELECT unnest(CAST($report_ids AS VARCHAR[])));

DELETE FROM seeds
WHERE case_id = $case_id AND seed_id IN (SELECT 'report:' || unnest(CAST($report_ids AS VARCHAR[])));
