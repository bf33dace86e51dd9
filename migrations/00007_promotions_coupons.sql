-- +goose Up
-- Pricing rules staff set up (DESIGN §4 "Pricing"). The list fields
-- (store_codes, skus, categories) are JSON arrays of strings in TEXT: both
-- engines store it as is, categories may hold any character, and '[]'
-- means "every store" for store_codes. A store's promotions in force are
-- read by the window (ix_promotions_in_force) and a LIKE on store_codes,
-- then checked exactly in Go; a chain has tens to hundreds of them.
CREATE TABLE promotions (
    id              BIGINT        NOT NULL PRIMARY KEY,
    name            VARCHAR(100)  NOT NULL,
    kind            VARCHAR(16)   NOT NULL,
    store_codes     TEXT          NOT NULL,
    skus            TEXT          NOT NULL,
    categories      TEXT          NOT NULL,
    percent         DECIMAL(5,2)  NOT NULL DEFAULT 0,
    price           DECIMAL(14,2) NOT NULL DEFAULT 0,
    quantity        INT           NOT NULL DEFAULT 0,
    bundle_price    DECIMAL(14,2) NOT NULL DEFAULT 0,
    buy_quantity    INT           NOT NULL DEFAULT 0,
    get_quantity    INT           NOT NULL DEFAULT 0,
    min_amount      DECIMAL(14,2) NOT NULL DEFAULT 0,
    discount_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
    starts_at       DATETIME(6)   NOT NULL,
    ends_at         DATETIME(6)   NOT NULL,
    active          BOOLEAN       NOT NULL,
    created_at      DATETIME(6)   NOT NULL,
    updated_at      DATETIME(6)   NOT NULL
);
CREATE INDEX ix_promotions_in_force ON promotions (active, ends_at);

-- Coupons are found by code (stored upper case), the id names them in
-- priced carts and orders.
CREATE TABLE coupons (
    id                BIGINT        NOT NULL PRIMARY KEY,
    code              VARCHAR(32)   NOT NULL,
    name              VARCHAR(100)  NOT NULL,
    kind              VARCHAR(16)   NOT NULL,
    amount            DECIMAL(14,2) NOT NULL DEFAULT 0,
    percent           DECIMAL(5,2)  NOT NULL DEFAULT 0,
    max_discount      DECIMAL(14,2) NULL,
    min_spend         DECIMAL(14,2) NOT NULL DEFAULT 0,
    store_codes       TEXT          NOT NULL,
    starts_at         DATETIME(6)   NOT NULL,
    ends_at           DATETIME(6)   NOT NULL,
    per_shopper_limit INT           NOT NULL,
    total_limit       INT           NOT NULL DEFAULT 0,
    active            BOOLEAN       NOT NULL,
    granted           BOOLEAN       NOT NULL,
    created_at        DATETIME(6)   NOT NULL,
    updated_at        DATETIME(6)   NOT NULL
);
CREATE UNIQUE INDEX ux_coupons_code ON coupons (code);

-- Who may use a granted coupon.
CREATE TABLE coupon_grants (
    coupon_id  BIGINT      NOT NULL,
    shopper_id BIGINT      NOT NULL,
    granted_at DATETIME(6) NOT NULL,
    PRIMARY KEY (coupon_id, shopper_id)
);
CREATE INDEX ix_coupon_grants_shopper ON coupon_grants (shopper_id, coupon_id);

-- One row per order that uses a coupon: held while the order is open,
-- redeemed when it is paid, released when it closes (or is fully
-- refunded). Uses = held + redeemed.
CREATE TABLE coupon_redemptions (
    id         BIGINT      NOT NULL PRIMARY KEY,
    coupon_id  BIGINT      NOT NULL,
    shopper_id BIGINT      NOT NULL,
    order_no   VARCHAR(32) NOT NULL,
    status     VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
);
CREATE UNIQUE INDEX ux_coupon_redemptions_order ON coupon_redemptions (order_no);
CREATE INDEX ix_coupon_redemptions_use ON coupon_redemptions (coupon_id, status, shopper_id);

-- +goose Down
DROP TABLE coupon_redemptions;
DROP TABLE coupon_grants;
DROP TABLE coupons;
DROP TABLE promotions;
