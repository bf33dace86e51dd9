-- +goose Up
-- The chain's catalog. Products are chain-wide; a product is sold in a
-- store only where it has a store_items row.
CREATE TABLE products (
    id             BIGINT        NOT NULL PRIMARY KEY,
    sku            VARCHAR(32)   NOT NULL,
    name           VARCHAR(200)  NOT NULL,
    unit           VARCHAR(8)    NOT NULL,
    tax_rate       DECIMAL(4,2)  NOT NULL,
    category       VARCHAR(64)   NOT NULL DEFAULT '',
    age_restricted BOOLEAN       NOT NULL,
    active         BOOLEAN       NOT NULL,
    created_at     DATETIME(6)   NOT NULL,
    updated_at     DATETIME(6)   NOT NULL
);
CREATE UNIQUE INDEX ux_products_sku ON products (sku);
CREATE INDEX ix_products_category ON products (category, id);

-- One row per barcode, keyed by its GTIN-14 form, so every accepted form of
-- a code finds the product and a code can belong to one product only.
CREATE TABLE barcodes (
    gtin       VARCHAR(14) NOT NULL PRIMARY KEY,
    product_id BIGINT      NOT NULL,
    raw        VARCHAR(20) NOT NULL,
    created_at DATETIME(6) NOT NULL
);
CREATE INDEX ix_barcodes_product ON barcodes (product_id);

CREATE TABLE store_items (
    store_id      BIGINT        NOT NULL,
    product_id    BIGINT        NOT NULL,
    price         DECIMAL(14,2) NOT NULL,
    member_price  DECIMAL(14,2) NULL,
    active        BOOLEAN       NOT NULL,
    reorder_point DECIMAL(14,3) NOT NULL DEFAULT 0,
    -- The PLU the store's scales print on labels of this (weighed) item.
    plu           VARCHAR(8)    NULL,
    updated_at    DATETIME(6)   NOT NULL,
    PRIMARY KEY (store_id, product_id)
);
CREATE UNIQUE INDEX ux_store_items_plu ON store_items (store_id, plu);

-- The book stock per store and product. Changed only by an atomic
-- increment with a stock_movements row in the same transaction.
CREATE TABLE stock_levels (
    store_id      BIGINT        NOT NULL,
    product_id    BIGINT        NOT NULL,
    on_hand       DECIMAL(14,3) NOT NULL DEFAULT 0,
    needs_recount BOOLEAN       NOT NULL DEFAULT FALSE,
    updated_at    DATETIME(6)   NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

CREATE TABLE stock_movements (
    id          BIGINT        NOT NULL PRIMARY KEY,
    store_id    BIGINT        NOT NULL,
    product_id  BIGINT        NOT NULL,
    kind        VARCHAR(16)   NOT NULL,
    quantity    DECIMAL(14,3) NOT NULL,
    level_after DECIMAL(14,3) NOT NULL,
    staff_id    BIGINT        NULL,
    reason      VARCHAR(200)  NOT NULL DEFAULT '',
    ref         VARCHAR(64)   NOT NULL DEFAULT '',
    created_at  DATETIME(6)   NOT NULL
);
CREATE INDEX ix_stock_movements_item ON stock_movements (store_id, product_id, id);

-- One row per fall below the reorder point, written by the low-stock job.
CREATE TABLE stock_alerts (
    id            BIGINT        NOT NULL PRIMARY KEY,
    store_id      BIGINT        NOT NULL,
    product_id    BIGINT        NOT NULL,
    on_hand       DECIMAL(14,3) NOT NULL,
    reorder_point DECIMAL(14,3) NOT NULL,
    movement_id   BIGINT        NOT NULL,
    created_at    DATETIME(6)   NOT NULL
);
CREATE UNIQUE INDEX ux_stock_alerts_movement ON stock_alerts (movement_id);
CREATE INDEX ix_stock_alerts_store ON stock_alerts (store_id, id);

CREATE TABLE label_rules (
    id                BIGINT      NOT NULL PRIMARY KEY,
    store_id          BIGINT      NOT NULL,
    name              VARCHAR(100) NOT NULL DEFAULT '',
    prefix            VARCHAR(4)  NOT NULL,
    length            INT         NOT NULL,
    plu_start         INT         NOT NULL,
    plu_length        INT         NOT NULL,
    price_start       INT         NOT NULL DEFAULT 0,
    price_length      INT         NOT NULL DEFAULT 0,
    weight_start      INT         NOT NULL DEFAULT 0,
    weight_length     INT         NOT NULL DEFAULT 0,
    price_check_digit BOOLEAN     NOT NULL DEFAULT FALSE,
    check_digit       BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at        DATETIME(6) NOT NULL
);
CREATE INDEX ix_label_rules_store ON label_rules (store_id, id);

-- +goose Down
DROP TABLE label_rules;
DROP TABLE stock_alerts;
DROP TABLE stock_movements;
DROP TABLE stock_levels;
DROP TABLE store_items;
DROP TABLE barcodes;
DROP TABLE products;
