-- name: tags
-- The stored tags (`tracers tags list`), of one address and of one category when given, in
-- TagPack order, each with the partner and TLP marking its file came with (tag_sources).
-- Parameters: $address, $category (either NULL: no filter), $limit
SELECT t.chain, t.address, t.label, t.category, t.actor, t.confidence, t.tagpack, s.source_org, s.tlp
FROM tags t
LEFT JOIN tag_sources s ON s.tagpack = t.tagpack AND s.sha256 = t.sha256
WHERE ($address IS NULL OR t.address = lower($address) OR t.address = $address)
  AND ($category IS NULL OR t.category = $category)
ORDER BY t.chain, t.address, t.tagpack, t.tag_index
LIMIT $limit
