-- 0010: messages to people (internal/notice): one-off WeChat subscription
-- consents, and a record of every notice sent
-- (PostgreSQL twin of store/sqlite/migrations/0010_notices.sql).

-- A person's one-off consents to a kind of message: WeChat allows one
-- subscription message per "accept" in wx.requestSubscribeMessage, so
-- remaining counts accepts not yet used. template_id is the template the
-- accepts were for; consents for a template no longer configured are void.
CREATE TABLE notice_consents (
    person_id   TEXT NOT NULL REFERENCES persons (id),
    kind        TEXT NOT NULL,
    template_id TEXT NOT NULL,
    remaining   INTEGER NOT NULL CHECK (remaining >= 0),
    updated_at  BIGINT NOT NULL, -- when the person last chose
    PRIMARY KEY (person_id, kind)
);

-- Every notice sent, one per kind and ref (an order id, or
-- "<person>@<YYYY-MM>" for a reminder): a retried job finds its notice here
-- and does not send it again, and operators can see what went out.
CREATE TABLE notices_sent (
    kind      TEXT NOT NULL,
    ref       TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons (id),
    channel   TEXT NOT NULL CHECK (channel IN ('wechat', 'sms')),
    sent_at   BIGINT NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX notices_sent_person ON notices_sent (person_id, sent_at);

-- The reminder sweep pages through the persons with due bills for a period
-- in person order; only due bills are in this index, so it stays small.
CREATE INDEX bills_due_period ON bills (period, person_id) WHERE status = 'due';

-- The sweep enqueues one job per person with EnqueueJobOnce, whose check
-- for an existing (kind, ref) would otherwise read the whole jobs table,
-- done jobs included, once per person.
CREATE INDEX jobs_kind_ref ON jobs (kind, ref);
