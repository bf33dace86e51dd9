-- +goose Up
-- Orders made at checkout (DESIGN §4 "Orders"): the cart's lines and prices
-- frozen. order_no is also WeChat Pay's out_trade_no. A checkout is
-- repeatable under its Idempotency-Key: (shopper_id, idempotency_key) is
-- unique and request_hash tells a replay from another request.
CREATE TABLE orders (
    id                BIGINT        NOT NULL PRIMARY KEY,
    order_no          VARCHAR(32)   NOT NULL,
    shopper_id        BIGINT        NOT NULL,
    store_id          BIGINT        NOT NULL,
    store_code        VARCHAR(32)   NOT NULL,
    status            VARCHAR(24)   NOT NULL,
    subtotal          DECIMAL(14,2) NOT NULL,
    discount_total    DECIMAL(14,2) NOT NULL,
    total             DECIMAL(14,2) NOT NULL,
    refunded_total    DECIMAL(14,2) NOT NULL DEFAULT 0,
    coupon_id         BIGINT        NULL,
    coupon_code       VARCHAR(32)   NOT NULL DEFAULT '',
    idempotency_key   VARCHAR(64)   NOT NULL,
    request_hash      VARCHAR(64)   NOT NULL,
    prepay_id         VARCHAR(64)   NOT NULL DEFAULT '',
    prepay_expires_at DATETIME(6)   NULL,
    transaction_id    VARCHAR(32)   NOT NULL DEFAULT '',
    close_reason      VARCHAR(24)   NOT NULL DEFAULT '',
    created_at        DATETIME(6)   NOT NULL,
    expires_at        DATETIME(6)   NOT NULL,
    paid_at           DATETIME(6)   NULL,
    closed_at         DATETIME(6)   NULL,
    updated_at        DATETIME(6)   NOT NULL
);
CREATE UNIQUE INDEX ux_orders_order_no ON orders (order_no);
CREATE UNIQUE INDEX ux_orders_idempotency ON orders (shopper_id, idempotency_key);
CREATE INDEX ix_orders_shopper ON orders (shopper_id, status, id);
CREATE INDEX ix_orders_store ON orders (store_id, status, id);
CREATE INDEX ix_orders_pending ON orders (status, created_at);
CREATE INDEX ix_orders_expiry ON orders (status, expires_at);
CREATE INDEX ix_orders_prepay ON orders (status, prepay_expires_at);

-- discounts is the line's discount list as JSON (kind, id, name, amount).
CREATE TABLE order_lines (
    id             BIGINT        NOT NULL PRIMARY KEY,
    order_id       BIGINT        NOT NULL,
    product_id     BIGINT        NOT NULL,
    sku            VARCHAR(32)   NOT NULL,
    name           VARCHAR(200)  NOT NULL,
    barcode        VARCHAR(32)   NOT NULL,
    weighed        BOOLEAN       NOT NULL,
    quantity       DECIMAL(14,3) NOT NULL,
    unit_price     DECIMAL(14,2) NOT NULL,
    list_amount    DECIMAL(14,2) NOT NULL,
    net_amount     DECIMAL(14,2) NOT NULL,
    tax_rate       DECIMAL(5,2)  NOT NULL,
    discounts      TEXT          NOT NULL,
    label_code     VARCHAR(32)   NOT NULL DEFAULT '',
    refunded_qty   DECIMAL(14,3) NOT NULL DEFAULT 0,
    refunded_amount DECIMAL(14,2) NOT NULL DEFAULT 0
);
CREATE INDEX ix_order_lines_order ON order_lines (order_id, id);

-- Every verified notification as received (the decrypted resource), once
-- per WeChat Pay notification id; applied_at is set when its job ran.
CREATE TABLE payment_events (
    id           BIGINT       NOT NULL PRIMARY KEY,
    event_id     VARCHAR(64)  NOT NULL,
    event_type   VARCHAR(32)  NOT NULL,
    out_trade_no VARCHAR(32)  NOT NULL,
    resource     TEXT         NOT NULL,
    received_at  DATETIME(6)  NOT NULL,
    applied_at   DATETIME(6)  NULL
);
CREATE UNIQUE INDEX ux_payment_events_event ON payment_events (event_id);

-- Money received: one row per WeChat Pay transaction. status applied (the
-- order became paid by it) or paid_after_close (refunded in full).
CREATE TABLE payments (
    id             BIGINT        NOT NULL PRIMARY KEY,
    order_id       BIGINT        NOT NULL,
    order_no       VARCHAR(32)   NOT NULL,
    transaction_id VARCHAR(32)   NOT NULL,
    amount         DECIMAL(14,2) NOT NULL,
    payer_total    DECIMAL(14,2) NOT NULL,
    currency       VARCHAR(8)    NOT NULL,
    status         VARCHAR(24)   NOT NULL,
    source         VARCHAR(16)   NOT NULL,
    paid_at        DATETIME(6)   NOT NULL,
    created_at     DATETIME(6)   NOT NULL
);
CREATE UNIQUE INDEX ux_payments_transaction ON payments (transaction_id);
CREATE INDEX ix_payments_order ON payments (order_id);

-- Payments that did not match their order (amount, currency, appid, mchid)
-- or named no order: never applied, kept for staff. One row per
-- transaction and kind, however often it is reported.
CREATE TABLE payment_anomalies (
    id             BIGINT       NOT NULL PRIMARY KEY,
    order_no       VARCHAR(32)  NOT NULL,
    transaction_id VARCHAR(32)  NOT NULL,
    kind           VARCHAR(32)  NOT NULL,
    detail         VARCHAR(500) NOT NULL,
    created_at     DATETIME(6)  NOT NULL
);
CREATE UNIQUE INDEX ux_payment_anomalies ON payment_anomalies (order_no, transaction_id, kind);

-- Refunds sent to WeChat Pay; out_refund_no is reused by every retry.
CREATE TABLE refunds (
    id            BIGINT        NOT NULL PRIMARY KEY,
    order_id      BIGINT        NOT NULL,
    order_no      VARCHAR(32)   NOT NULL,
    out_refund_no VARCHAR(64)   NOT NULL,
    refund_id     VARCHAR(64)   NOT NULL DEFAULT '',
    amount        DECIMAL(14,2) NOT NULL,
    reason        VARCHAR(80)   NOT NULL,
    status        VARCHAR(16)   NOT NULL,
    staff_id      BIGINT        NULL,
    last_error    VARCHAR(500)  NOT NULL DEFAULT '',
    created_at    DATETIME(6)   NOT NULL,
    updated_at    DATETIME(6)   NOT NULL,
    succeeded_at  DATETIME(6)   NULL
);
CREATE UNIQUE INDEX ux_refunds_out_refund_no ON refunds (out_refund_no);
CREATE INDEX ix_refunds_order ON refunds (order_id, id);
CREATE INDEX ix_refunds_unsettled ON refunds (status, updated_at);

-- One e-receipt per paid order (its number is the order's).
CREATE TABLE receipts (
    id        BIGINT      NOT NULL PRIMARY KEY,
    order_id  BIGINT      NOT NULL,
    order_no  VARCHAR(32) NOT NULL,
    issued_at DATETIME(6) NOT NULL
);
CREATE UNIQUE INDEX ux_receipts_order ON receipts (order_id);

-- Delayed follow-up work (an order's expiry): the relay enqueues the task
-- to run at process_at.
ALTER TABLE outbox ADD COLUMN process_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE outbox DROP COLUMN process_at;
DROP TABLE receipts;
DROP TABLE refunds;
DROP TABLE payment_anomalies;
DROP TABLE payments;
DROP TABLE payment_events;
DROP TABLE order_lines;
DROP TABLE orders;
