-- name: etl_tokens
-- Token metadata from tokens.csv (the raw_tokens view); what the store knows already (built-in
-- tokens) wins.
-- Parameters: $chain, $file (the file's name, kept as the rows' source)
INSERT INTO assets
SELECT $chain, lower(trim(address)), any_value(symbol), any_value(name),
       any_value(etl_int(trim(decimals), 2)), NULL, 'tokens:' || $file
FROM raw_tokens
WHERE address IS NOT NULL
GROUP BY lower(trim(address))
ON CONFLICT DO NOTHING
