-- name: mixer
-- Untagged mixers, by their shape (Tornado-style pools): ether paid in by many unrelated
-- depositors in fixed denominations (the same exact amount from at least $note_depositors
-- different depositors makes a note), mostly in notes, and paid out only by internal transfers
-- (a contract: its withdrawals are relayed calls, never its own transactions). An exchange or a
-- desk also receives round amounts from many people, but pays out in transactions of its own.
-- Needs the internal transfers (traces) of the candidates: without them no untagged mixer is
-- recognised here (the service rule still stops at a busy address).
-- Inputs: trace_candidates(address). Parameters: $chain, $min_depositors, $note_depositors.
WITH deposits AS (
    SELECT to_address AS candidate, from_address AS depositor, amount
    FROM transfers_to
    WHERE chain = $chain AND asset = 'native' AND amount > 0 AND from_address IS NOT NULL
      AND to_address IN (SELECT address FROM trace_candidates)
),
notes AS (
    SELECT candidate, amount FROM deposits
    GROUP BY candidate, amount HAVING count(DISTINCT depositor) >= $note_depositors
),
shape AS (
    SELECT d.candidate, count(*) AS deposits, count(DISTINCT d.depositor) AS depositors,
           count(n.amount) AS in_notes, list(DISTINCT CAST(n.amount AS VARCHAR)) FILTER (WHERE n.amount IS NOT NULL) AS denominations
    FROM deposits d LEFT JOIN notes n ON n.candidate = d.candidate AND n.amount = d.amount
    GROUP BY d.candidate
),
payouts AS (
    SELECT from_address AS candidate, count(*) AS payouts, count(*) FILTER (WHERE kind = 'internal') AS relayed,
           count(DISTINCT to_address) AS receivers
    FROM transfers
    WHERE chain = $chain AND asset = 'native' AND amount > 0
      AND from_address IN (SELECT address FROM trace_candidates)
    GROUP BY 1
)
SELECT s.candidate, s.deposits, s.depositors, s.in_notes, s.denominations, p.payouts, p.receivers
FROM shape s JOIN payouts p USING (candidate)
WHERE s.depositors >= $min_depositors
  AND s.in_notes + s.in_notes > s.deposits
  AND p.relayed = p.payouts
ORDER BY s.candidate
