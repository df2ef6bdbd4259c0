-- +goose Up
-- Two-factor login (issue 22 item 6). A user's TOTP secret is kept sealed
-- with the instance key (internal/secret), like the SMTP password: the
-- confirmed one in totp_secret, one being enrolled in totp_pending.
-- totp_last_step is the time step of the last code accepted, so a code
-- cannot be used twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
-- One-time recovery codes, only their SHA-256 kept.
CREATE TABLE user_recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);
-- A login whose password was right and whose code is still to come: not
-- a session, it opens nothing but the code step.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    next       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_challenges_user ON login_challenges(user_id);
-- Which roles must log in with a code. On by default for roles that
-- administer or see special categories; it takes effect only in an
-- organisation that switched two_factor_enforced on.
ALTER TABLE roles ADD COLUMN two_factor BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE roles SET two_factor = TRUE WHERE id IN (SELECT role_id FROM role_permissions
    WHERE permission LIKE 'admin.%' OR permission LIKE 'client.sensitive.%');
ALTER TABLE organisations ADD COLUMN two_factor_enforced BOOLEAN NOT NULL DEFAULT FALSE;

-- The actor (store/actor_cache.go) reads two_factor_enforced: a change
-- to organisations raises auth_version like one to users and roles.
-- +goose StatementBegin
CREATE TRIGGER organisations_auth_insert AFTER INSERT ON organisations BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_auth_update AFTER UPDATE ON organisations BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_auth_delete AFTER DELETE ON organisations BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER organisations_auth_delete;
DROP TRIGGER organisations_auth_update;
DROP TRIGGER organisations_auth_insert;
ALTER TABLE organisations DROP COLUMN two_factor_enforced;
ALTER TABLE roles DROP COLUMN two_factor;
DROP TABLE login_challenges;
DROP TABLE user_recovery_codes;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_pending;
ALTER TABLE users DROP COLUMN totp_secret;
