-- 0008: e-social-security-card passwords and face-liveness sessions
-- (PostgreSQL twin of store/sqlite/migrations/0008_ecard_face.sql).

-- The e-card password (电子社保卡密码): only an Argon2id hash with its salt;
-- failures count towards a lockout.
CREATE TABLE ecard_pins (
    person_id    TEXT PRIMARY KEY REFERENCES persons (id),
    pin_hash     BYTEA NOT NULL,
    salt         BYTEA NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    set_at       BIGINT NOT NULL
);

-- A face-liveness check started for a person, answered by the provider.
-- used is SQLite's 0/1 flag, BOOLEAN here.
CREATE TABLE face_sessions (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES persons (id),
    provider_ref TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    used         BOOLEAN NOT NULL DEFAULT false
);
