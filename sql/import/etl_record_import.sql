-- name: etl_record_import
-- Record an imported folder (its files) in `imports`; importing it again replaces the record.
-- Parameters: $import_id, $details (JSON), $imported_at
INSERT OR REPLACE INTO imports VALUES ($import_id, 'etl', $details, $imported_at)
