-- name: 006_tag_files
-- Tag files are told apart by their content (SHA-256 of the bytes), not by their file name alone:
-- a file named like an earlier one but with other content adds its tags beside the earlier ones;
-- `tracers tags import --replace` replaces them on purpose. The key of a tag becomes
-- (tagpack, sha256, tag_index); tags of earlier imports take the sha256 their import recorded.
-- Imports of tag files are recorded as 'tags:<file name>@<sha256>'.

CREATE TABLE tags_by_content (
    tagpack      VARCHAR NOT NULL,  -- file name it came from ('ofac.yaml')
    tag_index    INTEGER NOT NULL,  -- position in that file (0-based)
    chain        VARCHAR NOT NULL,  -- tracers chain name, or the TagPack currency lowercased
    address      VARCHAR NOT NULL,  -- canonical form for chains tracers knows
    label        VARCHAR NOT NULL,
    category     VARCHAR,           -- INTERPOL DW-CC / GraphSense category
    actor        VARCHAR,           -- who controls it (binance, tornado, ...)
    confidence   INTEGER,           -- 0-100 (GraphSense levels mapped)
    source       VARCHAR,
    abuse        VARCHAR,
    is_public    BOOLEAN,
    concepts     VARCHAR[],
    context      VARCHAR,
    sha256       VARCHAR NOT NULL DEFAULT '',  -- SHA-256 of the file's bytes: which version of it
    PRIMARY KEY (tagpack, sha256, tag_index)
);

INSERT INTO tags_by_content
SELECT t.tagpack, t.tag_index, t.chain, t.address, t.label, t.category, t.actor, t.confidence,
       t.source, t.abuse, t.is_public, t.concepts, t.context,
       coalesce(json_extract_string(i.detail, '$.sha256'), '')
FROM tags AS t
LEFT JOIN imports AS i ON i.import_id = 'tags:' || t.tagpack AND i.kind = 'tags';

DROP TABLE tags;

ALTER TABLE tags_by_content RENAME TO tags;

UPDATE imports
SET import_id = import_id || '@' || coalesce(json_extract_string(detail, '$.sha256'), '')
WHERE kind = 'tags' AND import_id NOT LIKE 'tags:%@%';
