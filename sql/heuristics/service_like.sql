-- name: service_like
-- Untagged addresses that behave as a service (OTC desk, payment processor, busy merchant): paid
-- by many senders that do not sweep into them (they keep paying others too), or paying many
-- receivers while paid by many senders. No published default exists: the thresholds were
-- calibrated on simulated worlds. A scam consolidator is paid by sweeping collection addresses,
-- so it is not counted as a service.
-- Which senders keep paying others is judged on a deterministic sample of $sample senders per
-- candidate (the first by address): enough to decide, without reading every customer's history.
-- Inputs: temp table trace_candidates(address). Parameters: $chain, $min_senders,
-- $min_receivers, $sweeper_share, $sample.
WITH paid AS (
    SELECT t.to_address AS a, t.from_address AS s, t.asset, sum(t.amount) AS amount
    FROM transfers_to t
    WHERE t.chain = $chain AND t.amount > 0
      AND t.to_address IN (SELECT address FROM trace_candidates)
    GROUP BY ALL
),
sampled AS (  -- enough senders to decide, not all of a busy desk's thousands (deterministic)
    SELECT a, s FROM (SELECT DISTINCT a, s FROM paid)
    QUALIFY row_number() OVER (PARTITION BY a ORDER BY s) <= $sample
),
sender_totals AS (
    SELECT t.from_address AS s, t.asset, sum(t.amount) AS amount
    FROM transfers t
    WHERE t.chain = $chain AND t.amount > 0
      AND t.from_address IN (SELECT DISTINCT s FROM sampled)
    GROUP BY ALL
),
senders AS (
    SELECT p.a,
           (SELECT count(DISTINCT s) FROM paid q WHERE q.a = p.a) AS senders,
           count(DISTINCT p.s) FILTER (
               WHERE CAST(p.amount AS DOUBLE) < $sweeper_share * CAST(st.amount AS DOUBLE)
           ) AS non_sweeping
    FROM paid p
    JOIN sampled USING (a, s)
    JOIN sender_totals st USING (s, asset)
    GROUP BY p.a
),
receivers AS (
    SELECT t.from_address AS a, count(DISTINCT t.to_address) AS receivers
    FROM transfers t
    WHERE t.chain = $chain AND t.amount > 0
      AND t.from_address IN (SELECT address FROM trace_candidates)
    GROUP BY ALL
)
SELECT s.a AS address, s.senders, s.non_sweeping, coalesce(r.receivers, 0) AS receivers
FROM senders s LEFT JOIN receivers r USING (a)
WHERE s.non_sweeping >= $min_senders
   OR (s.senders >= $min_senders AND coalesce(r.receivers, 0) >= $min_receivers)
ORDER BY s.a;
