-- name: tag_source
-- What is known of where one stored tag file came from: its partner organisation and TLP marking.
-- Parameters: $tagpack, $sha256.
SELECT source_org, tlp FROM tag_sources WHERE tagpack = $tagpack AND sha256 = $sha256
