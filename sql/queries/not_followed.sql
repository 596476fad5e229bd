-- name: not_followed
-- What the run did not follow, per reason (rule), chain and asset: how many findings, how much.
-- Parameters: $run_id. Amounts as exact decimal text.
SELECT rule, chain, asset, count(*) AS findings, CAST(sum(amount) AS VARCHAR) AS amount
FROM findings
WHERE run_id = $run_id AND kind = 'not_followed'
GROUP BY ALL
ORDER BY rule, chain, asset
