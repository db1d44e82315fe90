-- 0011: the mini-program is its own WeChat app with its own openids: a person
-- may be linked to an official-account openid (openid) and a mini-program
-- openid (mp_openid), each unique.
ALTER TABLE persons ADD COLUMN mp_openid TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX persons_mp_openid ON persons (mp_openid) WHERE mp_openid <> '';
