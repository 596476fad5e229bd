-- name: tags
-- The stored tags (`tracers tags list`), of one address and of one category when given, in
-- TagPack order. Parameters: $address, $category (either NULL: no filter), $limit
SELECT chain, address, label, category, actor, confidence, tagpack
FROM tags
WHERE ($address IS NULL OR address = lower($address) OR address = $address)
  AND ($category IS NULL OR category = $category)
ORDER BY chain, address, tagpack, tag_index
LIMIT $limit
