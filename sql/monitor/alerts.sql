-- name: alerts
-- What a monitoring pass alerts on: the trace run $run against the previous pass's run $baseline,
-- chain events after the previous pass's newest stored block ($since, per chain in
-- monitor_since). One row per chain event and kind; alert ids make a repeat a no-op.
-- Parameters: $run, $baseline, $min_at_rest (whole token units).
WITH
since AS (SELECT chain, block FROM monitor_since),
watched AS (  -- the cluster as the previous pass knew it
    SELECT chain, address FROM trace_addresses WHERE run_id = $baseline AND role = 'perpetrator'
),
outflows AS (
    SELECT 'outflow' AS kind, t.chain, t.from_address AS address, t.to_address AS related, t.asset,
           t.amount, NULL::BIGNUM AS traced, t.tx_hash, t.kind AS move, t.position, t.block_number,
           t.block_time, 'a watched cluster address sent ' || CAST(t.amount AS VARCHAR) ||
           ' base units to ' || coalesce(t.to_address, '?') AS detail
    FROM transfers t
    JOIN watched w ON w.chain = t.chain AND w.address = t.from_address
    JOIN since s ON s.chain = t.chain
    WHERE t.block_number > s.block AND t.amount > 0
),
new_flows AS (
    SELECT f.*, a.role, a.exchange, a.label
    FROM trace_flows f
    JOIN since s ON s.chain = f.chain
    JOIN trace_addresses a ON a.run_id = f.run_id AND a.chain = f.chain AND a.address = f.to_address
    WHERE f.run_id = $run AND f.block_number > s.block
),
deposits AS (
    SELECT 'deposit', chain, to_address, exchange, asset, amount, traced_amount, tx_hash, kind,
           position, block_number, block_time,
           'victim money reached ' || coalesce(exchange, 'an exchange') || ' deposit address ' || to_address
    FROM new_flows WHERE role = 'deposit_wallet'
),
listed AS (  -- sanctioned, mixers, bridges, by their tags
    SELECT chain, address,
           CASE WHEN category = 'mixing_service' THEN 'mixer'
                WHEN category IN ('defi_bridge', 'bridge') THEN 'bridge'
                ELSE 'sanctioned' END AS kind,
           min(label) AS label
    FROM tags
    WHERE category IN ('mixing_service', 'defi_bridge', 'bridge', 'sanction')
       OR abuse = 'sanction' OR lower(label) LIKE '%ofac%'
    GROUP BY ALL
),
listed_flows AS (
    SELECT l.kind, f.chain, f.to_address, l.label, f.asset, f.amount, f.traced_amount, f.tx_hash,
           f.kind, f.position, f.block_number, f.block_time,
           'victim money reached ' || l.kind || ' address ' || f.to_address || ' (' || coalesce(l.label, '') || ')'
    FROM new_flows f JOIN listed l ON l.chain = f.chain AND l.address = f.to_address
),
roles_now AS (
    SELECT chain, address, role, exchange FROM trace_addresses WHERE run_id = $run
),
roles_before AS (
    SELECT chain, address, role FROM trace_addresses WHERE run_id = $baseline
),
new_roles AS (
    SELECT CASE WHEN n.role = 'deposit_wallet' THEN 'new_deposit_address' ELSE 'new_member' END,
           n.chain, n.address, n.exchange, NULL, NULL::BIGNUM, NULL::BIGNUM, NULL, NULL, NULL::INTEGER,
           NULL::BIGINT, NULL::TIMESTAMPTZ,
           CASE WHEN n.role = 'deposit_wallet'
                THEN 'a new deposit address of ' || coalesce(n.exchange, 'an exchange') || ' received victim money'
                ELSE 'a new address joined the cluster' END
    FROM roles_now n
    ANTI JOIN roles_before b ON b.chain = n.chain AND b.address = n.address AND b.role = n.role
    WHERE n.role IN ('deposit_wallet', 'perpetrator')
),
at_rest AS (  -- funds at rest (the funds_at_rest view) the previous pass saw, at least $min_at_rest token units
    SELECT r.chain, r.address, r.asset, r.amount FROM funds_at_rest r
    LEFT JOIN assets a ON a.chain = r.chain AND a.asset = r.asset
    WHERE r.run_id = $baseline
      AND r.amount >= CAST(CAST($min_at_rest AS VARCHAR) || repeat('0', coalesce(a.decimals, 0)) AS BIGNUM)
),
moving AS (
    SELECT 'funds_moving', o.chain, o.address, o.related, o.asset, o.amount, NULL::BIGNUM, o.tx_hash,
           o.move, o.position, o.block_number, o.block_time,
           'funds at rest (' || CAST(r.amount AS VARCHAR) || ' base units) are moving: ' || o.detail
    FROM outflows o JOIN at_rest r ON r.chain = o.chain AND r.address = o.address AND r.asset = o.asset
)
SELECT * FROM outflows
UNION ALL SELECT * FROM deposits
UNION ALL SELECT * FROM listed_flows
UNION ALL SELECT * FROM new_roles
UNION ALL SELECT * FROM moving
ORDER BY 2, 11 NULLS FIRST, 8, 10, 1;
