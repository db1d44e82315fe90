-- 0017: a person's requests to delete their data (PIPL art. 47), one row
-- per request. What was deleted and what is kept, with each kept item's
-- legal basis, is stored as the JSON the person was answered with, so the
-- person and the console later show exactly that answer. The row itself is
-- the mark that processing is restricted: reminders stop for the person.
CREATE TABLE deletion_requests (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES persons (id),
    requested_at BIGINT NOT NULL,
    outcome      TEXT NOT NULL
);
CREATE INDEX deletion_requests_person ON deletion_requests (person_id, requested_at);
