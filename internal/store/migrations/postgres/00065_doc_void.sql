-- +goose Up
-- An issued certificate or letter can be voided (annulled): when, by whom
-- and why. The row stays (its number is never reused) and prints again
-- with the «АННУЛИРОВАН» mark (store/doctemplate.go VoidIssuedDocument).
ALTER TABLE issued_documents ADD COLUMN voided_at TIMESTAMPTZ;
ALTER TABLE issued_documents ADD COLUMN voided_by BIGINT REFERENCES users(id);
ALTER TABLE issued_documents ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE issued_documents DROP COLUMN void_reason;
ALTER TABLE issued_documents DROP COLUMN voided_by;
ALTER TABLE issued_documents DROP COLUMN voided_at;
