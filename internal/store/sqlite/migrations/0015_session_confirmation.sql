-- When the session's person last confirmed a sensitive step with a second
-- factor (e-card password, or an SMS code when they signed in another way);
-- NULL: never. Large payments and changing the phone number ask for one in
-- the last few minutes.
ALTER TABLE sessions ADD COLUMN confirmed_at INTEGER;
