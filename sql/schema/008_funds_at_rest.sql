-- name: 008_funds_at_rest
-- Funds at rest, defined once: the victim money a trace run found still held by a perpetrator
-- address, one row per `at_rest` endpoint finding (address, asset, amount in base units). The
-- findings summary, the freeze export, the report and monitoring all read it from this view.
CREATE OR REPLACE VIEW funds_at_rest AS
SELECT run_id, finding_id, chain, address, asset, amount
FROM findings
WHERE kind = 'endpoint' AND rule = 'at_rest'
  AND address IS NOT NULL AND asset IS NOT NULL AND amount > 0;
