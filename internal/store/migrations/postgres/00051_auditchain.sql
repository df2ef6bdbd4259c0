-- The audit log's hash chain (store/audit_chain.go): each row carries
-- SHA-256 over the previous row's hash and its own fields; audit_head, one
-- row, holds the chain's end and is locked by every append, so concurrent
-- writers (and several instances) never fork the chain. Rows that exist
-- now (ids up to seal_to) are chained by "opora migrate" in id order; that
-- is the one update the append-only trigger lets through: setting the hash
-- of a row that has none, nothing else.
-- +goose Up
ALTER TABLE audit_log ADD COLUMN hash BYTEA;
-- SHA-256 of the changes as written: the chain hashes it, so that a
-- destruction (store/retention.go) may erase a sealed row's values and the
-- chain still verifies.
ALTER TABLE audit_log ADD COLUMN changes_sha BYTEA;
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   BIGINT NOT NULL,
    last_hash BYTEA,
    last_at   TIMESTAMPTZ,
    seal_to   BIGINT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash, last_at, seal_to)
    SELECT 1, 0, NULL, NULL, COALESCE(MAX(id), 0) FROM audit_log;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
        AND (NEW.id, NEW.at, NEW.organisation_id, NEW.user_id, NEW.action, NEW.entity,
             NEW.entity_id, NEW.section, NEW.changes, NEW.ip)
        IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.organisation_id, OLD.user_id, OLD.action, OLD.entity,
             OLD.entity_id, OLD.section, OLD.changes, OLD.ip) THEN
        RETURN NEW;
    END IF;
    -- A destruction erases a sealed row's values; its digest stays.
    IF TG_OP = 'UPDATE' AND OLD.hash IS NOT NULL AND OLD.changes_sha IS NOT NULL AND NEW.changes = ''
        AND (NEW.id, NEW.at, NEW.organisation_id, NEW.user_id, NEW.action, NEW.entity,
             NEW.entity_id, NEW.section, NEW.ip, NEW.hash, NEW.changes_sha)
        IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.organisation_id, OLD.user_id, OLD.action, OLD.entity,
             OLD.entity_id, OLD.section, OLD.ip, OLD.hash, OLD.changes_sha) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- Updates go through the function above (since 00050 they went through
-- audit_log_erase_only, which knows nothing of the hash).
DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The audit screen's questions, answered from the index in its order (at,
-- id descending) and counted without reading the rows: who read
-- this card between two dates, what did this worker do this month, the
-- organisation's newest rows. Each replaces the index it extends.
DROP INDEX audit_entity;
CREATE INDEX audit_entity ON audit_log(entity, entity_id, organisation_id, at, id);
DROP INDEX audit_user_at;
CREATE INDEX audit_user_at ON audit_log(user_id, organisation_id, at, id);
DROP INDEX audit_org_at;
CREATE INDEX audit_org_at ON audit_log(organisation_id, at, id);

-- +goose Down
DROP INDEX audit_entity;
CREATE INDEX audit_entity ON audit_log(entity, entity_id, at);
DROP INDEX audit_user_at;
CREATE INDEX audit_user_at ON audit_log(user_id, at);
DROP INDEX audit_org_at;
CREATE INDEX audit_org_at ON audit_log(organisation_id, at);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_erase_only();
DROP TABLE audit_head;
ALTER TABLE audit_log DROP COLUMN changes_sha;
ALTER TABLE audit_log DROP COLUMN hash;
