-- 0008: e-social-security-card passwords and face-liveness sessions.

-- The e-card password (电子社保卡密码): only an Argon2id hash with its salt;
-- failures count towards a lockout.
CREATE TABLE ecard_pins (
    person_id    TEXT PRIMARY KEY REFERENCES persons (id),
    pin_hash     BLOB NOT NULL,
    salt         BLOB NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    set_at       INTEGER NOT NULL
);

-- A face-liveness check started for a person, answered by the provider.
CREATE TABLE face_sessions (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES persons (id),
    provider_ref TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0
);
