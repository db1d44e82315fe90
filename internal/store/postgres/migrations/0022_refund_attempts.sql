-- 0022: an operator may start a new attempt of a failed refund. WeChat Pay
-- does not run a closed refund again under its out_refund_no, so each
-- attempt has its own number; the refunds row (one per order) is the
-- current attempt, and the earlier ones stay here so that a late success
-- reported for one of them is still recognised and applied once.
-- provider_status is what the provider last said of an attempt (SUCCESS,
-- PROCESSING, CLOSED, ABNORMAL, or REFUSED when it answered nothing in 72
-- hours); it is what the console shows as the reason a refund failed.
ALTER TABLE refunds ADD COLUMN attempt BIGINT NOT NULL DEFAULT 1;
ALTER TABLE refunds ADD COLUMN provider_status TEXT NOT NULL DEFAULT '';
CREATE TABLE refund_attempts (
    out_refund_no   TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    attempt         BIGINT NOT NULL CHECK (attempt > 0),
    status          TEXT NOT NULL CHECK (status IN ('failed', 'succeeded')),
    provider_status TEXT NOT NULL,
    refund_id       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (order_id, attempt)
);
