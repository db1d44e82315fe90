-- 0001: the spine, in PostgreSQL's dialect; the same tables, columns and
-- constraints as store/sqlite/migrations/0001_init.sql, so both engines hold
-- the same rows. Rules of the translation:
--   * SQLite INTEGER is 64-bit, so every INTEGER column is BIGINT here;
--   * BLOB is BYTEA;
--   * times stay BIGINT Unix milliseconds (UTC), not TIMESTAMPTZ (which keeps
--     microseconds): both engines then agree to the millisecond;
--   * INTEGER PRIMARY KEY AUTOINCREMENT is an identity column: like
--     AUTOINCREMENT, a sequence never hands out a number twice.

CREATE TABLE persons (
    id               TEXT PRIMARY KEY,
    region           TEXT NOT NULL,
    person_type      TEXT NOT NULL CHECK (person_type IN ('flexible', 'resident')),
    name_sealed      BYTEA NOT NULL,
    id_sealed        BYTEA NOT NULL,
    phone_sealed     BYTEA NOT NULL,
    id_index         BYTEA NOT NULL UNIQUE,
    phone_index      BYTEA NOT NULL UNIQUE,
    name_masked      TEXT NOT NULL,
    id_masked        TEXT NOT NULL,
    phone_masked     TEXT NOT NULL,
    openid           TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL
);

CREATE TABLE enrolments (
    person_id  TEXT NOT NULL REFERENCES persons (id),
    insurance  TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    since      TEXT NOT NULL,
    base       TEXT NOT NULL DEFAULT 'floor',
    PRIMARY KEY (person_id, insurance)
);

CREATE TABLE sms_codes (
    phone_index BYTEA PRIMARY KEY,
    code_mac    BYTEA NOT NULL,
    sent_at     BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES persons (id),
    method     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE bills (
    id                   TEXT PRIMARY KEY,
    person_id            TEXT NOT NULL REFERENCES persons (id),
    insurance            TEXT NOT NULL,
    period               TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('current', 'arrears')),
    base_fen             BIGINT NOT NULL CHECK (base_fen >= 0),
    rate                 TEXT NOT NULL,
    amount_fen           BIGINT NOT NULL CHECK (amount_fen > 0),
    personal_account_fen BIGINT NOT NULL CHECK (personal_account_fen >= 0),
    policy               TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('due', 'paid')),
    order_id             TEXT,          -- the open order holding this bill
    paid_order_id        TEXT,
    created_at           BIGINT NOT NULL,
    -- One bill per person, insurance type and period: paying a period twice
    -- is made impossible here, not only in code.
    UNIQUE (person_id, insurance, period),
    CHECK (status = 'due' OR (paid_order_id IS NOT NULL AND order_id IS NULL))
);
CREATE INDEX bills_person ON bills (person_id, status);
CREATE INDEX bills_order ON bills (order_id);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    payer_id        TEXT NOT NULL REFERENCES persons (id),
    region          TEXT NOT NULL,
    channel         TEXT NOT NULL,
    state           TEXT NOT NULL,
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    description     TEXT NOT NULL,
    out_trade_no    TEXT NOT NULL UNIQUE,
    prepay_id       TEXT NOT NULL DEFAULT '',
    transaction_id  TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL,
    request_hash    BYTEA NOT NULL,
    core_ref        TEXT NOT NULL DEFAULT '',
    hold_reason     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    paid_at         BIGINT,
    credited_at     BIGINT,
    version         BIGINT NOT NULL,
    UNIQUE (payer_id, idempotency_key)
);
CREATE INDEX orders_person ON orders (person_id, created_at);
CREATE INDEX orders_payer ON orders (payer_id, created_at);
-- A provider transaction is credited to at most one order.
CREATE UNIQUE INDEX orders_transaction ON orders (transaction_id) WHERE transaction_id <> '';

CREATE TABLE order_bills (
    order_id TEXT NOT NULL REFERENCES orders (id),
    bill_id  TEXT NOT NULL REFERENCES bills (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (order_id, bill_id)
);

CREATE TABLE order_events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, seq);

CREATE TABLE payment_notifications (
    provider     TEXT NOT NULL,
    id           TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (provider, id)
);

CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    done_at      BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;

CREATE TABLE vouchers (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    kind         TEXT NOT NULL,
    code         TEXT NOT NULL UNIQUE,
    payload      BYTEA NOT NULL,
    signature    BYTEA NOT NULL,
    key_id       TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    retain_until BIGINT,
    UNIQUE (order_id, kind)
);

CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
