-- name: etl_token_count
-- The rows of tokens.csv (the raw_tokens view).
SELECT count(*) FROM raw_tokens
