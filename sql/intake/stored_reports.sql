-- name: stored_reports
-- Every report a case holds, its columns in the order tracers/intake/importer.py names them
-- (_COLUMNS); the amount as exact text. Parameters: $case_id
SELECT case_id, report_id, line, reported_at, chain, asset, tx_hash, victim_address, scam_address,
       amount_text, CAST(amount AS VARCHAR), status, reason_code, reason, source_file
FROM reports
WHERE case_id = $case_id
