-- +goose Up
-- Tokens issued before the password last changed are refused, so a reset
-- after a suspected leak locks the old sessions out.
ALTER TABLE staff ADD COLUMN password_changed_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE staff DROP COLUMN password_changed_at;
