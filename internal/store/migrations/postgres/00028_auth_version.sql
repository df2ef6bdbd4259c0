-- +goose Up
-- Every request builds its actor (the user, their branches, roles and
-- permissions: three queries). Each process keeps actors in memory tagged
-- with this counter, which every change to those tables raises in its own
-- transaction (a login's bookkeeping on users too, harmlessly), so a role
-- taken away or a user disabled through any process applies to the very
-- next request everywhere.
CREATE TABLE auth_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO auth_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION auth_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump();
CREATE TRIGGER user_branches_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_branches
    FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump();
CREATE TRIGGER user_roles_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_roles
    FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump();
CREATE TRIGGER roles_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roles
    FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump();
CREATE TRIGGER role_permissions_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump();
-- Bulk loads run with session_replication_role = replica; these must fire there too.
ALTER TABLE users ENABLE ALWAYS TRIGGER users_auth;
ALTER TABLE user_branches ENABLE ALWAYS TRIGGER user_branches_auth;
ALTER TABLE user_roles ENABLE ALWAYS TRIGGER user_roles_auth;
ALTER TABLE roles ENABLE ALWAYS TRIGGER roles_auth;
ALTER TABLE role_permissions ENABLE ALWAYS TRIGGER role_permissions_auth;

-- +goose Down
DROP TRIGGER users_auth ON users;
DROP TRIGGER user_branches_auth ON user_branches;
DROP TRIGGER user_roles_auth ON user_roles;
DROP TRIGGER roles_auth ON roles;
DROP TRIGGER role_permissions_auth ON role_permissions;
DROP FUNCTION auth_version_bump();
DROP TABLE auth_version;
