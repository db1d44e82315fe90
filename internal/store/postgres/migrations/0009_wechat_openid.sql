-- 0009: a WeChat user (openid for our app id) signs in as one insured person
-- (PostgreSQL twin of store/sqlite/migrations/0009_wechat_openid.sql).
CREATE UNIQUE INDEX persons_openid ON persons (openid) WHERE openid <> '';
