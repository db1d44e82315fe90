-- 0009: a WeChat user (openid for our app id) signs in as one insured person.
-- Persons not bound to WeChat keep openid ''.
CREATE UNIQUE INDEX persons_openid ON persons (openid) WHERE openid <> '';
