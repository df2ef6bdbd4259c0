-- +goose Up
-- API tokens (issue 24 item 4): another system calls /api/v1 as one of the
-- organisation's users, within the token's scopes (space-separated), until
-- it expires or is revoked. Only the SHA-256 of the token is kept; prefix is
-- its first characters, to tell tokens apart in the list.
CREATE TABLE api_tokens (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    prefix          TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES users(id),
    revoked_at      TIMESTAMPTZ,
    revoked_by      BIGINT REFERENCES users(id),
    last_used_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_org ON api_tokens(organisation_id);

-- +goose Down
DROP TABLE api_tokens;
