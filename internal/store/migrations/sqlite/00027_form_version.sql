-- +goose Up
-- The form definitions (forms, sections, fields, options) are read on every
-- client page and change rarely; each process keeps them in memory tagged
-- with this counter, which every change to those tables raises in its own
-- transaction, so a change made by any process (several may serve one
-- database) is seen by the next page everywhere.
CREATE TABLE form_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO form_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER forms_version_insert AFTER INSERT ON forms BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER forms_version_update AFTER UPDATE ON forms BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER forms_version_delete AFTER DELETE ON forms BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER form_sections_version_insert AFTER INSERT ON form_sections BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER form_sections_version_update AFTER UPDATE ON form_sections BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER form_sections_version_delete AFTER DELETE ON form_sections BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER form_fields_version_insert AFTER INSERT ON form_fields BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER form_fields_version_update AFTER UPDATE ON form_fields BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER form_fields_version_delete AFTER DELETE ON form_fields BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER field_options_version_insert AFTER INSERT ON field_options BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER field_options_version_update AFTER UPDATE ON field_options BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER field_options_version_delete AFTER DELETE ON field_options BEGIN UPDATE form_version SET version = version + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER forms_version_insert;
DROP TRIGGER forms_version_update;
DROP TRIGGER forms_version_delete;
DROP TRIGGER form_sections_version_insert;
DROP TRIGGER form_sections_version_update;
DROP TRIGGER form_sections_version_delete;
DROP TRIGGER form_fields_version_insert;
DROP TRIGGER form_fields_version_update;
DROP TRIGGER form_fields_version_delete;
DROP TRIGGER field_options_version_insert;
DROP TRIGGER field_options_version_update;
DROP TRIGGER field_options_version_delete;
DROP TABLE form_version;
