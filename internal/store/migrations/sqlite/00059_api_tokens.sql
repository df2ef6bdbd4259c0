-- +goose Up
-- API tokens (issue 24 item 4): another system calls /api/v1 as one of the
-- organisation's users, within the token's scopes (space-separated), until
-- it expires or is revoked. Only the SHA-256 of the token is kept; prefix is
-- its first characters, to tell tokens apart in the list.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    prefix          TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    revoked_at      TIMESTAMP,
    revoked_by      INTEGER REFERENCES users(id),
    last_used_at    TIMESTAMP
);
CREATE INDEX api_tokens_org ON api_tokens(organisation_id);

-- +goose Down
DROP TABLE api_tokens;
