-- +goose Up
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE territories (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES territories(id),
    kind      TEXT NOT NULL CHECK (kind IN ('region', 'municipality', 'district')),
    name      TEXT NOT NULL
);
CREATE INDEX territories_parent ON territories(parent_id);

CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    short_name   TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL,
    territory_id INTEGER REFERENCES territories(id),
    inn          TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    head         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE branches (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    territory_id    INTEGER REFERENCES territories(id),
    address         TEXT NOT NULL DEFAULT '',
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX branches_org ON branches(organisation_id);

CREATE TABLE roles (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    key             TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    scope           TEXT NOT NULL CHECK (scope IN ('own', 'branch', 'organisation')),
    builtin         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX roles_org ON roles(organisation_id);

CREATE TABLE role_permissions (
    role_id    INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    login           TEXT NOT NULL UNIQUE,
    full_name       TEXT NOT NULL,
    position        TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    locale          TEXT NOT NULL DEFAULT '',
    password_hash   TEXT NOT NULL,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    last_login_at   TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_org ON users(organisation_id);

CREATE TABLE user_branches (
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    branch_id INTEGER NOT NULL REFERENCES branches(id),
    PRIMARY KEY (user_id, branch_id)
);
CREATE INDEX user_branches_branch ON user_branches(branch_id);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    flash        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TIMESTAMP NOT NULL,
    organisation_id INTEGER,
    user_id         INTEGER,
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL DEFAULT '',
    entity_id       INTEGER,
    section         TEXT NOT NULL DEFAULT '',
    changes         TEXT NOT NULL DEFAULT '',
    ip              TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_org_at ON audit_log(organisation_id, at);
CREATE INDEX audit_entity ON audit_log(entity, entity_id, at);
CREATE INDEX audit_user_at ON audit_log(user_id, at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE user_branches;
DROP TABLE users;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE branches;
DROP TABLE organisations;
DROP TABLE territories;
DROP TABLE meta;
