-- name: 007_webhook_private
-- Webhooks on private or loopback addresses (a receiver on the analyst's machine or the unit's own
-- network) are POSTed to only when the analyst said so (--allow-private-webhook). The choice is kept
-- with the monitor and with each delivery, so the check before every POST applies the same rule.
ALTER TABLE monitors ADD COLUMN IF NOT EXISTS allow_private_webhook BOOLEAN DEFAULT false;
ALTER TABLE alert_deliveries ADD COLUMN IF NOT EXISTS allow_private BOOLEAN DEFAULT false;
