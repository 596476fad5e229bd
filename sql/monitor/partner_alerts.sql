-- name: partner_alerts
-- Partner matches of this pass's run that the previous pass's run lacked: a partner's tags
-- (imported since, or on an address the cluster reached since) now flag an address of the case.
-- A tag is the same tag when its file (name and content) and its place in the file are.
-- Parameters: $run, $baseline.
WITH
matches AS (
    SELECT run_id, finding_id, chain, address, tx_hashes, detail,
           json_extract_string(params, '$.tagpack') || '@' || json_extract_string(params, '$.sha256')
               || '#' || json_extract_string(params, '$.tag_index') AS tag_key
    FROM findings
    WHERE run_id IN ($run, $baseline) AND kind = 'partner_match'
),
before AS (SELECT chain, address, tag_key FROM matches WHERE run_id = $baseline)
SELECT m.finding_id, m.chain, m.address, m.tag_key, m.tx_hashes, m.detail
FROM matches m
ANTI JOIN before b ON b.chain = m.chain AND b.address = m.address AND b.tag_key = m.tag_key
WHERE m.run_id = $run
ORDER BY m.chain, m.address, m.tag_key
