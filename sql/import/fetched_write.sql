-- name: fetched_write
-- Store what a live fetch staged in temp table _fetched_transfers: the transfers the store lacks
-- (same chain, tx, kind, position: rows already stored stay as they are), kept in
-- _fetched_transfers_new for tracers/store/write.py to count, and their blocks' times.
-- Inputs: temp table _fetched_transfers (the columns of transfers).
CREATE OR REPLACE TEMP TABLE _fetched_transfers_new AS
SELECT DISTINCT ON (s.chain, s.tx_hash, s.kind, s.position) s.*
FROM _fetched_transfers s
ANTI JOIN transfers t USING (chain, tx_hash, kind, position);

INSERT INTO transfers SELECT * FROM _fetched_transfers_new ORDER BY chain, from_address;

INSERT INTO transfers_to SELECT * FROM _fetched_transfers_new ORDER BY chain, to_address;

INSERT INTO blocks
SELECT DISTINCT ON (chain, block_number) chain, block_number, NULL, block_time
FROM _fetched_transfers
ON CONFLICT DO NOTHING;
