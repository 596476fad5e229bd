-- name: partner_flags
-- The addresses a trace run reached (its addresses with a role, and every address victim money
-- went to) that a partner's tags flag: one row per address and partner tag, with the partner, the
-- marking, the tag and the transactions in which the run's money touched the address.
-- Parameters: $run_id.
WITH
reached AS (
    SELECT chain, address FROM trace_addresses WHERE run_id = $run_id
    UNION
    SELECT chain, to_address FROM trace_flows WHERE run_id = $run_id AND to_address IS NOT NULL
),
partner_tags AS (
    SELECT t.chain, t.address, t.tagpack, t.sha256, t.tag_index, t.label, t.category, t.abuse,
           t.actor, t.confidence, s.source_org, s.tlp, s.issued
    FROM tags t
    JOIN tag_sources s ON s.tagpack = t.tagpack AND s.sha256 = t.sha256
    WHERE s.source_org IS NOT NULL
),
touching AS (  -- the run's transfers into the address, else out of it (a seed)
    SELECT chain, address, list(DISTINCT tx_hash ORDER BY tx_hash) AS tx_hashes
    FROM (
        SELECT chain, to_address AS address, tx_hash FROM trace_flows WHERE run_id = $run_id
        UNION ALL
        SELECT chain, from_address, tx_hash FROM trace_flows WHERE run_id = $run_id
    )
    GROUP BY ALL
)
SELECT p.chain, p.address, p.source_org, p.tlp, p.tagpack, p.sha256, p.tag_index, p.label, p.category,
       p.abuse, p.actor, p.confidence, p.issued, a.role, coalesce(x.tx_hashes, []) AS tx_hashes
FROM partner_tags p
JOIN reached r ON r.chain = p.chain AND r.address = p.address
LEFT JOIN trace_addresses a ON a.run_id = $run_id AND a.chain = p.chain AND a.address = p.address
LEFT JOIN touching x ON x.chain = p.chain AND x.address = p.address
ORDER BY p.chain, p.address, p.source_org, p.tagpack, p.sha256, p.tag_index
