-- 0013: a person's choice to receive no reminders or lapse notices (a
-- payment's result, hold or refund always goes out).
CREATE TABLE notice_prefs (
    person_id     TEXT PRIMARY KEY REFERENCES persons (id),
    reminders_off BOOLEAN NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- The lapse sweep reads due monthly bills of earlier periods.
CREATE INDEX bills_due_person ON bills (person_id, period) WHERE status = 'due';
