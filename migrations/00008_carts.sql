-- +goose Up
-- One active cart per shopper and store; its lines; and every scan as it
-- happened (for the unknown-barcode report and scan statistics).
CREATE TABLE carts (
    id          BIGINT      NOT NULL PRIMARY KEY,
    shopper_id  BIGINT      NOT NULL,
    store_id    BIGINT      NOT NULL,
    version     INT         NOT NULL DEFAULT 0,
    coupon_code VARCHAR(32) NOT NULL DEFAULT '',
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL
);
CREATE UNIQUE INDEX ux_carts_shopper_store ON carts (shopper_id, store_id);

CREATE TABLE cart_lines (
    id           BIGINT        NOT NULL PRIMARY KEY,
    cart_id      BIGINT        NOT NULL,
    product_id   BIGINT        NOT NULL,
    sku          VARCHAR(32)   NOT NULL,
    barcode      VARCHAR(32)   NOT NULL,
    weighed      BOOLEAN       NOT NULL,
    quantity     DECIMAL(14,3) NOT NULL,
    label_code   VARCHAR(32)   NULL,
    label_amount DECIMAL(14,2) NULL,
    created_at   DATETIME(6)   NOT NULL
);
CREATE INDEX ix_cart_lines_cart ON cart_lines (cart_id, id);
CREATE UNIQUE INDEX ux_cart_lines_label ON cart_lines (cart_id, label_code);

CREATE TABLE scan_events (
    id         BIGINT      NOT NULL PRIMARY KEY,
    shopper_id BIGINT      NOT NULL,
    store_id   BIGINT      NOT NULL,
    barcode    VARCHAR(32) NOT NULL,
    result     VARCHAR(24) NOT NULL,
    product_id BIGINT      NULL,
    created_at DATETIME(6) NOT NULL
);
CREATE INDEX ix_scan_events_store_result ON scan_events (store_id, result, barcode);

-- +goose Down
DROP TABLE scan_events;
DROP TABLE cart_lines;
DROP TABLE carts;
