-- +goose Up
-- Follow-up work written in the same transaction as the change it follows
-- (DESIGN §2). A relay leases unsent rows (lease_owner, lease_until_ms in
-- unix milliseconds, compared as integers on both engines), enqueues them to
-- asynq with the row id as task id and sets sent_at.
CREATE TABLE outbox (
    id             BIGINT       NOT NULL PRIMARY KEY,
    task_type      VARCHAR(64)  NOT NULL,
    queue          VARCHAR(32)  NOT NULL,
    payload        TEXT         NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    sent_at        DATETIME(6)  NULL,
    lease_owner    VARCHAR(64)  NOT NULL DEFAULT '',
    lease_until_ms BIGINT       NOT NULL DEFAULT 0,
    attempts       INT          NOT NULL DEFAULT 0,
    last_error     VARCHAR(500) NOT NULL DEFAULT ''
);
CREATE INDEX ix_outbox_unsent ON outbox (sent_at, id);

-- +goose Down
DROP TABLE outbox;
