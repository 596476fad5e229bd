-- name: service_addresses
-- Every address of the chain tagged with one of the service categories (money reaching them has
-- left the scam's hands). Parameters: $chain, $categories (a list).
SELECT DISTINCT address FROM tags WHERE chain = $chain AND list_contains($categories, category)
