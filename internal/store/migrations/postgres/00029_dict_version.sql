-- +goose Up
-- The organisation's small dictionaries (branches, service types, the
-- organisation's own settings such as the back-dating window) are read on
-- most pages and change rarely. Each process keeps them in memory tagged
-- with this counter, which every change to those tables raises in its own
-- transaction, so a change made by any process is seen by the next page
-- everywhere (see store/versions.go).
CREATE TABLE dict_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO dict_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION dict_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dict_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER branches_dict AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON branches
    FOR EACH STATEMENT EXECUTE FUNCTION dict_version_bump();
CREATE TRIGGER service_types_dict AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_types
    FOR EACH STATEMENT EXECUTE FUNCTION dict_version_bump();
CREATE TRIGGER organisations_dict AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION dict_version_bump();
-- Bulk loads run with session_replication_role = replica; these must fire there too.
ALTER TABLE branches ENABLE ALWAYS TRIGGER branches_dict;
ALTER TABLE service_types ENABLE ALWAYS TRIGGER service_types_dict;
ALTER TABLE organisations ENABLE ALWAYS TRIGGER organisations_dict;

-- +goose Down
DROP TRIGGER branches_dict ON branches;
DROP TRIGGER service_types_dict ON service_types;
DROP TRIGGER organisations_dict ON organisations;
DROP FUNCTION dict_version_bump();
DROP TABLE dict_version;
