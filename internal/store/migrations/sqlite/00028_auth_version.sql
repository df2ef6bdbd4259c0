-- +goose Up
-- Every request builds its actor (the user, their branches, roles and
-- permissions: three queries). Each process keeps actors in memory tagged
-- with this counter, which every change to those tables raises in its own
-- transaction (a login's bookkeeping on users too, harmlessly), so a role
-- taken away or a user disabled through any process applies to the very
-- next request everywhere.
CREATE TABLE auth_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO auth_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER users_auth_insert AFTER INSERT ON users BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_auth_update AFTER UPDATE ON users BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_auth_delete AFTER DELETE ON users BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_branches_auth_insert AFTER INSERT ON user_branches BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_branches_auth_update AFTER UPDATE ON user_branches BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_branches_auth_delete AFTER DELETE ON user_branches BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_roles_auth_insert AFTER INSERT ON user_roles BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_roles_auth_update AFTER UPDATE ON user_roles BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_roles_auth_delete AFTER DELETE ON user_roles BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_auth_insert AFTER INSERT ON roles BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_auth_update AFTER UPDATE ON roles BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_auth_delete AFTER DELETE ON roles BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_permissions_auth_insert AFTER INSERT ON role_permissions BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_permissions_auth_update AFTER UPDATE ON role_permissions BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_permissions_auth_delete AFTER DELETE ON role_permissions BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_auth_insert;
DROP TRIGGER users_auth_update;
DROP TRIGGER users_auth_delete;
DROP TRIGGER user_branches_auth_insert;
DROP TRIGGER user_branches_auth_update;
DROP TRIGGER user_branches_auth_delete;
DROP TRIGGER user_roles_auth_insert;
DROP TRIGGER user_roles_auth_update;
DROP TRIGGER user_roles_auth_delete;
DROP TRIGGER roles_auth_insert;
DROP TRIGGER roles_auth_update;
DROP TRIGGER roles_auth_delete;
DROP TRIGGER role_permissions_auth_insert;
DROP TRIGGER role_permissions_auth_update;
DROP TRIGGER role_permissions_auth_delete;
DROP TABLE auth_version;
