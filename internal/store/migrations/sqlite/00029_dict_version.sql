-- +goose Up
-- The organisation's small dictionaries (branches, service types, the
-- organisation's own settings such as the back-dating window) are read on
-- most pages and change rarely. Each process keeps them in memory tagged
-- with this counter, which every change to those tables raises in its own
-- transaction, so a change made by any process is seen by the next page
-- everywhere (see store/versions.go).
CREATE TABLE dict_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO dict_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER branches_dict_insert AFTER INSERT ON branches BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER branches_dict_update AFTER UPDATE ON branches BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER branches_dict_delete AFTER DELETE ON branches BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER service_types_dict_insert AFTER INSERT ON service_types BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER service_types_dict_update AFTER UPDATE ON service_types BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER service_types_dict_delete AFTER DELETE ON service_types BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_dict_insert AFTER INSERT ON organisations BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_dict_update AFTER UPDATE ON organisations BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_dict_delete AFTER DELETE ON organisations BEGIN UPDATE dict_version SET version = version + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER branches_dict_insert;
DROP TRIGGER branches_dict_update;
DROP TRIGGER branches_dict_delete;
DROP TRIGGER service_types_dict_insert;
DROP TRIGGER service_types_dict_update;
DROP TRIGGER service_types_dict_delete;
DROP TRIGGER organisations_dict_insert;
DROP TRIGGER organisations_dict_update;
DROP TRIGGER organisations_dict_delete;
DROP TABLE dict_version;
