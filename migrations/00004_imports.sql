-- +goose Up
-- Catalog CSV imports run as jobs. The uploaded file is kept in chunks of
-- at most 1 MiB (under MySQL's default max_allowed_packet) so that the API
-- and the worker need no shared disk.
CREATE TABLE import_jobs (
    id          BIGINT       NOT NULL PRIMARY KEY,
    kind        VARCHAR(32)  NOT NULL,
    staff_id    BIGINT       NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    file_name   VARCHAR(200) NOT NULL DEFAULT '',
    size_bytes  BIGINT       NOT NULL DEFAULT 0,
    rows_total  INT          NOT NULL DEFAULT 0,
    rows_done   INT          NOT NULL DEFAULT 0,
    rows_ok     INT          NOT NULL DEFAULT 0,
    rows_failed INT          NOT NULL DEFAULT 0,
    error       VARCHAR(500) NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NOT NULL,
    started_at  DATETIME(6)  NULL,
    finished_at DATETIME(6)  NULL
);
CREATE INDEX ix_import_jobs_created ON import_jobs (created_at);

CREATE TABLE import_chunks (
    import_id BIGINT     NOT NULL,
    seq       INT        NOT NULL,
    data      MEDIUMBLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE import_errors (
    import_id BIGINT       NOT NULL,
    line      INT          NOT NULL,
    field     VARCHAR(32)  NOT NULL DEFAULT '',
    message   VARCHAR(300) NOT NULL,
    PRIMARY KEY (import_id, line, field)
);

-- +goose Down
DROP TABLE import_errors;
DROP TABLE import_chunks;
DROP TABLE import_jobs;
