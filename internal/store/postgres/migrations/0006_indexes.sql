-- 0006: indexes found by profiling the payment path.
-- The risk check reads a payer's paid orders of the last 24 hours on every
-- payment; reconciliation reads a channel's orders paid in a day.
CREATE INDEX orders_payer_paid ON orders (payer_id, paid_at);
CREATE INDEX orders_channel_paid ON orders (channel, paid_at);
