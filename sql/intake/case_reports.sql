-- name: case_reports
-- Every report of a case with its verdict, in the order they arrived (import, file, line).
-- Parameters: $case_id
SELECT report_id, status, coalesce(reason, '') AS reason, reason_code, line, source_file
FROM reports
WHERE case_id = $case_id
ORDER BY imported_at, source_file, line
