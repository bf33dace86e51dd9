-- +goose Up
CREATE TABLE stores (
    id               BIGINT        NOT NULL PRIMARY KEY,
    code             VARCHAR(16)   NOT NULL,
    name             VARCHAR(100)  NOT NULL,
    time_zone        VARCHAR(64)   NOT NULL,
    latitude         DECIMAL(9,6)  NOT NULL DEFAULT 0,
    longitude        DECIMAL(9,6)  NOT NULL DEFAULT 0,
    radius_m         INT           NOT NULL DEFAULT 0,
    audit_rate       DECIMAL(5,4)  NOT NULL,
    max_lines        INT           NOT NULL,
    max_line_qty     INT           NOT NULL,
    max_basket_total DECIMAL(14,2) NOT NULL,
    active           BOOLEAN       NOT NULL,
    created_at       DATETIME(6)   NOT NULL,
    updated_at       DATETIME(6)   NOT NULL
);
CREATE UNIQUE INDEX ux_stores_code ON stores (code);

CREATE TABLE staff (
    id            BIGINT       NOT NULL PRIMARY KEY,
    username      VARCHAR(32)  NOT NULL,
    display_name  VARCHAR(100) NOT NULL DEFAULT '',
    role          VARCHAR(16)  NOT NULL,
    password_hash VARCHAR(100) NOT NULL,
    active        BOOLEAN      NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL
);
CREATE UNIQUE INDEX ux_staff_username ON staff (username);

-- Stores are referenced by code: it is immutable and what a token or URL carries.
CREATE TABLE staff_stores (
    staff_id   BIGINT      NOT NULL,
    store_code VARCHAR(16) NOT NULL,
    PRIMARY KEY (staff_id, store_code)
);
CREATE INDEX ix_staff_stores_store ON staff_stores (store_code);

-- +goose Down
DROP TABLE staff_stores;
DROP TABLE staff;
DROP TABLE stores;
