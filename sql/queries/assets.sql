-- name: assets
-- Symbol and decimals of every asset the store knows, per chain.
SELECT chain, asset, symbol, decimals FROM assets
