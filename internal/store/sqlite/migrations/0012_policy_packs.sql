-- 0012: policy packs published from the operator console (internal/policyadmin).
-- The packs in force are the release's embedded files plus the rows here
-- whose status is 'published'; a row is never deleted or edited, only
-- rolled back once, so the table is the history of every publication.
CREATE TABLE policy_packs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: the version counter relies on it
    region          TEXT NOT NULL,
    effective_from  TEXT NOT NULL CHECK (effective_from GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    yaml            TEXT NOT NULL,
    sha256          TEXT NOT NULL, -- hex digests of yaml
    sm3             TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('published', 'rolled_back')),
    published_by    TEXT NOT NULL, -- operator login name, as in the operator audit log
    published_at    INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    rolled_back_by  TEXT NOT NULL DEFAULT '',
    rolled_back_at  INTEGER,
    rollback_reason TEXT NOT NULL DEFAULT '',
    CHECK ((status = 'published') = (rolled_back_at IS NULL))
);
CREATE INDEX policy_packs_window ON policy_packs (region, effective_from);

-- A pack's impact preview reads the persons of one region in id order.
CREATE INDEX persons_region ON persons (region, id);
