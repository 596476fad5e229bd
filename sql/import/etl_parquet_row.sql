-- name: etl_parquet_row
-- The row number (from 1) of the first row of a Parquet file whose column $column holds $value as
-- text (a missing cell reads as ''), to point at a malformed cell; NULL when none does.
-- Parameters: $path, $column, $value
SELECT min(file_row_number) + 1
FROM read_parquet($path, file_row_number = true)
WHERE coalesce(CAST(COLUMNS(lambda c: c = $column) AS VARCHAR), '') = $value
