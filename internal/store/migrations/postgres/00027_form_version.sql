-- +goose Up
-- The form definitions (forms, sections, fields, options) are read on every
-- client page and change rarely; each process keeps them in memory tagged
-- with this counter, which every change to those tables raises in its own
-- transaction, so a change made by any process (several may serve one
-- database) is seen by the next page everywhere.
CREATE TABLE form_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO form_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION form_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE form_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER forms_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON forms
    FOR EACH STATEMENT EXECUTE FUNCTION form_version_bump();
CREATE TRIGGER form_sections_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON form_sections
    FOR EACH STATEMENT EXECUTE FUNCTION form_version_bump();
CREATE TRIGGER form_fields_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON form_fields
    FOR EACH STATEMENT EXECUTE FUNCTION form_version_bump();
CREATE TRIGGER field_options_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON field_options
    FOR EACH STATEMENT EXECUTE FUNCTION form_version_bump();
-- The generator's bulk loads run with session_replication_role = replica,
-- which skips ordinary triggers; these must fire there too.
ALTER TABLE forms ENABLE ALWAYS TRIGGER forms_version;
ALTER TABLE form_sections ENABLE ALWAYS TRIGGER form_sections_version;
ALTER TABLE form_fields ENABLE ALWAYS TRIGGER form_fields_version;
ALTER TABLE field_options ENABLE ALWAYS TRIGGER field_options_version;

-- +goose Down
DROP TRIGGER forms_version ON forms;
DROP TRIGGER form_sections_version ON form_sections;
DROP TRIGGER form_fields_version ON form_fields;
DROP TRIGGER field_options_version ON field_options;
DROP FUNCTION form_version_bump();
DROP TABLE form_version;
