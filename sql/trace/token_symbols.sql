-- name: token_symbols
-- Every token the store knows on the chain, with its symbol (to spot look-alikes of well-known ones).
-- Parameters: $chain
SELECT asset, symbol FROM assets WHERE chain = $chain AND asset <> 'native'
