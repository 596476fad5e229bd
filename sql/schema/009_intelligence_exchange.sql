-- name: 009_intelligence_exchange
-- Where tags came from, and what a monitor knew of other cases. `tag_sources` keeps, per tag file
-- (name and content), the path it was read from, its issuer (the partner organisation named at
-- import, else the TagPack's creator), the file's own date, the partner organisation (NULL: the
-- unit's own or public tags) and the TLP marking given at import. Files imported before this
-- version get a row from their import record: path and time known, no partner, no marking.
-- `monitor_passes.links` holds the case links (chain|address|case) a pass saw, so that the next
-- pass alerts only on new ones.
CREATE TABLE IF NOT EXISTS tag_sources (
    tagpack      VARCHAR NOT NULL,   -- file name
    sha256       VARCHAR NOT NULL,   -- SHA-256 of the file's bytes
    path         VARCHAR,            -- where it was read from
    issuer       VARCHAR,            -- the partner organisation, else the TagPack's creator
    issued       VARCHAR,            -- the file's own date (TagPack lastmod), as written
    source_org   VARCHAR,            -- partner organisation (tracers tags import --source-org)
    tlp          VARCHAR,            -- clear | green | amber | amber+strict | red (--tlp)
    imported_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tagpack, sha256)
);

INSERT INTO tag_sources (tagpack, sha256, path, imported_at)
SELECT DISTINCT t.tagpack, t.sha256, json_extract_string(i.detail, '$.path'), coalesce(i.imported_at, now())
FROM tags t
LEFT JOIN imports i ON i.kind = 'tags' AND i.import_id = 'tags:' || t.tagpack || '@' || t.sha256
ON CONFLICT DO NOTHING;

ALTER TABLE monitor_passes ADD COLUMN IF NOT EXISTS links VARCHAR;  -- JSON list; NULL: not recorded
