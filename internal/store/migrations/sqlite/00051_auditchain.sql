-- The audit log's hash chain (store/audit_chain.go): each row carries
-- SHA-256 over the previous row's hash and its own fields; audit_head, one
-- row, holds the chain's end. Rows that exist now (ids up to seal_to) are
-- chained by "opora migrate" in id order; that is the one update the
-- append-only trigger lets through: setting the hash of a row that has
-- none, nothing else.
-- +goose Up
ALTER TABLE audit_log ADD COLUMN hash BLOB;
-- SHA-256 of the changes as written: the chain hashes it, so that a
-- destruction (store/retention.go) may erase a sealed row's values and the
-- chain still verifies.
ALTER TABLE audit_log ADD COLUMN changes_sha BLOB;
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   INTEGER NOT NULL,
    last_hash BLOB,
    last_at   TIMESTAMP,
    seal_to   INTEGER NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash, last_at, seal_to)
    SELECT 1, 0, NULL, NULL, COALESCE(MAX(id), 0) FROM audit_log;

DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (NEW.id IS OLD.id AND NEW.at IS OLD.at
    AND NEW.organisation_id IS OLD.organisation_id AND NEW.user_id IS OLD.user_id
    AND NEW.action IS OLD.action AND NEW.entity IS OLD.entity AND NEW.entity_id IS OLD.entity_id
    AND NEW.section IS OLD.section AND NEW.ip IS OLD.ip
    AND (OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.changes IS OLD.changes
         OR OLD.hash IS NOT NULL AND NEW.hash IS OLD.hash AND OLD.changes_sha IS NOT NULL
            AND NEW.changes_sha IS OLD.changes_sha AND NEW.changes = ''))
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- The audit screen's questions, answered from the index in its order (at,
-- id descending: SQLite appends the rowid, id, to every index) and counted
-- without reading the rows: who read this card between two dates, what
-- did this worker do this month. Each replaces the index it extends
-- (audit_org_at, on organisation and time, already ends in the rowid).
DROP INDEX audit_entity;
CREATE INDEX audit_entity ON audit_log(entity, entity_id, organisation_id, at);
DROP INDEX audit_user_at;
CREATE INDEX audit_user_at ON audit_log(user_id, organisation_id, at);

-- +goose Down
DROP INDEX audit_entity;
CREATE INDEX audit_entity ON audit_log(entity, entity_id, at);
DROP INDEX audit_user_at;
CREATE INDEX audit_user_at ON audit_log(user_id, at);
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (new.changes = '' AND new.id = old.id AND new.at IS old.at AND new.organisation_id IS old.organisation_id
    AND new.user_id IS old.user_id AND new.action = old.action AND new.entity = old.entity
    AND new.entity_id IS old.entity_id AND new.section = old.section AND new.ip = old.ip)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
DROP TABLE audit_head;
ALTER TABLE audit_log DROP COLUMN changes_sha;
ALTER TABLE audit_log DROP COLUMN hash;
