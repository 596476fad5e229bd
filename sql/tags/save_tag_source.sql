-- name: save_tag_source
-- Record (or correct) where one tag file came from: path, issuer, its own date, the partner
-- organisation and the TLP marking. A correction keeps the first import's time.
-- Parameters: $tagpack, $sha256, $path, $issuer, $issued, $source_org, $tlp, $imported_at.
INSERT INTO tag_sources (tagpack, sha256, path, issuer, issued, source_org, tlp, imported_at)
VALUES ($tagpack, $sha256, $path, $issuer, $issued, $source_org, $tlp, $imported_at)
ON CONFLICT (tagpack, sha256) DO UPDATE SET
    path = excluded.path, issuer = excluded.issuer, issued = excluded.issued,
    source_org = excluded.source_org, tlp = excluded.tlp
