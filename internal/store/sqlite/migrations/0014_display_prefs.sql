-- 0014: display preferences kept with the person (care mode, voice,
-- language), so they follow the person to another device.
CREATE TABLE display_prefs (
    person_id  TEXT PRIMARY KEY REFERENCES persons (id),
    care       BOOLEAN NOT NULL,
    voice      BOOLEAN NOT NULL,
    lang       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
