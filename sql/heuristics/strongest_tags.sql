-- name: strongest_tags
-- The strongest public tag of each address in temp table trace_lookup (an exchange tag first, then
-- the most confident, then the first in TagPack order), with what its context says: the tracers
-- role a TagPack exported by tracers recorded, and a bridge tag's destination chain.
-- Inputs: temp table trace_lookup(address). Parameters: $chain.
WITH
tagged AS (
    SELECT address, category, actor, label, confidence, tagpack, tag_index,
           CASE WHEN json_valid(context) THEN json_extract_string(context, '$.role') END AS role,
           CASE WHEN json_valid(context) THEN json_extract_string(context, '$.destination_chain') END
               AS destination_chain
    FROM tags
    WHERE chain = $chain AND address IN (SELECT address FROM trace_lookup)
)
SELECT address, category, actor, label, confidence, role, destination_chain
FROM tagged
QUALIFY row_number() OVER (
    PARTITION BY address
    ORDER BY (category IN ('exchange')) DESC, coalesce(confidence, 0) DESC, tagpack, tag_index
) = 1
