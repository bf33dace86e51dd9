-- +goose Up
-- What happens after payment (DESIGN §4 "Exit pass and audit", "Refunds",
-- and the subscribe message sent on payment).

-- One accepted exit check per order (a second scan of the same pass is
-- refused as already used). verdict is pass or audit; audit_reasons says
-- why a basket was picked (random, age_restricted, large_basket,
-- first_order, comma-separated). An audit's result comes later: what the
-- clerk found unscanned, as JSON [{barcode, quantity, sku, name}], and the
-- total quantity for the report.
CREATE TABLE exit_checks (
    id              BIGINT        NOT NULL PRIMARY KEY,
    order_id        BIGINT        NOT NULL,
    order_no        VARCHAR(32)   NOT NULL,
    store_id        BIGINT        NOT NULL,
    staff_id        BIGINT        NOT NULL,
    verdict         VARCHAR(8)    NOT NULL,
    audit_reasons   VARCHAR(100)  NOT NULL DEFAULT '',
    checked_at      DATETIME(6)   NOT NULL,
    result_at       DATETIME(6)   NULL,
    result_staff_id BIGINT        NULL,
    unscanned       TEXT          NULL,
    unscanned_qty   DECIMAL(14,3) NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_exit_checks_order ON exit_checks (order_id);
CREATE INDEX ix_exit_checks_store ON exit_checks (store_id, checked_at);

-- The order lines a staff refund gives back, and for how much (the net of
-- allocated discounts for those units).
CREATE TABLE refund_lines (
    id            BIGINT        NOT NULL PRIMARY KEY,
    refund_id     BIGINT        NOT NULL,
    order_line_id BIGINT        NOT NULL,
    quantity      DECIMAL(14,3) NOT NULL,
    amount        DECIMAL(14,2) NOT NULL
);
CREATE INDEX ix_refund_lines_refund ON refund_lines (refund_id, id);

-- Subscribe messages to shoppers, one per order and kind however often
-- the job runs: status sent, refused (the shopper has not accepted the
-- template, WeChat errcode 43101), failed (given up) or skipped (no
-- template configured).
CREATE TABLE shopper_messages (
    id         BIGINT       NOT NULL PRIMARY KEY,
    order_id   BIGINT       NOT NULL,
    shopper_id BIGINT       NOT NULL,
    kind       VARCHAR(32)  NOT NULL,
    status     VARCHAR(16)  NOT NULL,
    errcode    INT          NOT NULL DEFAULT 0,
    detail     VARCHAR(500) NOT NULL DEFAULT '',
    attempts   INT          NOT NULL DEFAULT 0,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL
);
CREATE UNIQUE INDEX ux_shopper_messages ON shopper_messages (order_id, kind);

-- +goose Down
DROP TABLE shopper_messages;
DROP TABLE refund_lines;
DROP TABLE exit_checks;
