-- +goose Up
-- Shoppers are WeChat users of the mini-program: one row per (appid,
-- openid), WeChat's identity of a user within one app. union_id links the
-- shopper to the brand's other WeChat apps when WeChat sends it ('' if not).
CREATE TABLE shoppers (
    id           BIGINT      NOT NULL PRIMARY KEY,
    app_id       VARCHAR(32) NOT NULL,
    open_id      VARCHAR(64) NOT NULL,
    union_id     VARCHAR(64) NOT NULL DEFAULT '',
    member       BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at   DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL
);
CREATE UNIQUE INDEX ux_shoppers_app_open ON shoppers (app_id, open_id);

-- A visit is a shopper's presence in a store; scanning needs an unexpired
-- one. The index serves "the shopper's active visit of this store".
CREATE TABLE store_visits (
    id           BIGINT      NOT NULL PRIMARY KEY,
    shopper_id   BIGINT      NOT NULL,
    store_id     BIGINT      NOT NULL,
    source       VARCHAR(16) NOT NULL,
    opened_at    DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL,
    expires_at   DATETIME(6) NOT NULL
);
CREATE INDEX ix_store_visits_active ON store_visits (shopper_id, store_id, expires_at);

-- +goose Down
DROP TABLE store_visits;
DROP TABLE shoppers;
