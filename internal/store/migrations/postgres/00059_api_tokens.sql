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

-- Webhooks: the organisation's other systems told of events (task status
-- changes, new signals) by a signed POST. secret is sealed like the other
-- secrets (store/secret.go). A delivery is written in the transaction of
-- the change it tells of (so none is lost or sent for a change rolled
-- back) and retried with backoff until delivered or given up.
CREATE TABLE webhooks (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    events          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES users(id),
    disabled_at     TIMESTAMPTZ
);
CREATE INDEX webhooks_org ON webhooks(organisation_id);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks(id),
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE api_tokens;
