-- name: deposit_address
-- Exchange deposit-address tagging (Victor, "Address Clustering Heuristics for Ethereum", FC 2020;
-- parameters as in Tutela: tau = 3,200 blocks ~ 12 h, alpha = 0.01 ETH).
-- A candidate address d is a deposit address of exchange X when it forwards to a hot wallet tagged
-- as X what it received since its previous forward (one deposit, or the sum of several for
-- exchanges that sweep in daily batches): the exact amount for tokens, at most alpha less for
-- ether (gas), within tau blocks of the deposit; and when (nearly) everything d ever sent went to
-- X's hot wallets. Exchanges that sweep in daily batches hold a deposit up to a day: an aggregated
-- sweep, or one from an address that never sent anywhere but X, may come up to $batch_blocks
-- after the deposit.
-- Inputs: temp table trace_candidates(address). Parameters: $chain, $max_blocks, $batch_blocks,
-- $max_wei_diff.
WITH hot AS (
    SELECT address, min(actor) AS actor
    FROM tags
    WHERE chain = $chain AND category = 'exchange' AND actor IS NOT NULL
      -- a deposit address someone tagged (a TagPack tracers exported) is not a hot wallet
      AND coalesce(CASE WHEN json_valid(context) THEN json_extract_string(context, '$.role') END, '')
          <> 'deposit_wallet'
    GROUP BY address
),
outgoing AS (
    SELECT t.from_address AS d, t.asset, t.kind, t.tx_hash, t.position, t.block_number,
           coalesce(t.tx_index, t.position) AS ord, t.to_address AS hot_wallet, t.amount, h.actor
    FROM transfers t
    LEFT JOIN hot h ON h.address = t.to_address
    WHERE t.chain = $chain AND t.amount > 0
      AND t.from_address IN (SELECT address FROM trace_candidates)
),
purity AS (
    SELECT d, count(*) AS sent, count(actor) AS to_exchange, count(DISTINCT actor) AS exchanges,
           min(actor) AS actor
    FROM outgoing GROUP BY d
),
forwards AS (
    SELECT *, lag(block_number) OVER (PARTITION BY d, asset ORDER BY block_number, ord) AS previous
    FROM outgoing
),
incoming AS (
    SELECT t.to_address AS d, t.asset, t.tx_hash, t.block_number, t.amount
    FROM transfers_to t
    WHERE t.chain = $chain AND t.amount > 0
      AND t.to_address IN (SELECT address FROM trace_candidates)
),
single AS (  -- Victor's rule as written: one earlier deposit the forward matches
    SELECT f.d, f.asset, f.kind, f.tx_hash AS sweep_tx, f.block_number AS sweep_block, f.amount AS swept,
           f.actor, f.hot_wallet, i.amount AS deposited, 1 AS deposits, i.block_number AS first_block,
           [i.tx_hash] AS deposit_txs
    FROM forwards f
    JOIN incoming i
      ON i.d = f.d AND i.asset = f.asset AND i.block_number <= f.block_number
    WHERE f.actor IS NOT NULL
      AND CASE WHEN f.kind = 'native'
               THEN i.amount >= f.amount AND i.amount - f.amount <= CAST($max_wei_diff AS BIGNUM)
               ELSE i.amount = f.amount END
),
batched AS (  -- exchanges that sweep in batches: the sum of what arrived since the last forward
    SELECT f.d, f.asset, f.kind, f.tx_hash AS sweep_tx, f.block_number AS sweep_block, f.amount AS swept,
           f.actor, f.hot_wallet,
           sum(i.amount) AS deposited, count(*) AS deposits, min(i.block_number) AS first_block,
           list(i.tx_hash ORDER BY i.block_number, i.tx_hash) AS deposit_txs
    FROM forwards f
    JOIN incoming i
      ON i.d = f.d AND i.asset = f.asset AND i.block_number <= f.block_number
     AND (f.previous IS NULL OR i.block_number > f.previous)
    WHERE f.actor IS NOT NULL
    GROUP BY f.d, f.asset, f.kind, f.tx_hash, f.block_number, f.amount, f.actor, f.hot_wallet
),
matched AS (
    SELECT * FROM single
    UNION ALL
    SELECT * FROM batched WHERE deposits > 1
)
SELECT m.d AS address, m.actor AS exchange, m.hot_wallet, m.asset, m.sweep_tx,
       CAST(m.swept AS VARCHAR) AS swept, m.deposits, m.sweep_block - m.first_block AS blocks,
       m.deposit_txs
FROM matched m
JOIN purity p USING (d)
WHERE p.exchanges = 1 AND p.to_exchange * 10 >= p.sent * 9
  AND m.actor = p.actor
  AND m.sweep_block - m.first_block <= CASE
          WHEN m.deposits = 1 AND p.to_exchange < p.sent THEN $max_blocks
          ELSE $batch_blocks END
  AND CASE WHEN m.kind = 'native'
           THEN m.deposited >= m.swept AND m.deposited - m.swept <= CAST($max_wei_diff AS BIGNUM)
           ELSE m.deposited = m.swept END
ORDER BY m.d, m.sweep_block, m.sweep_tx;
