-- name: case_title
-- The case's title (NULL when it has none).
-- Parameters: $case_id.
SELECT title FROM cases WHERE case_id = $case_id
