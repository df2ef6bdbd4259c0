-- +goose Up
-- Reports saved from the builder. query holds the builder's parameters
-- (a URL query of whitelisted names and ids), never SQL.
CREATE TABLE saved_reports (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    query           TEXT NOT NULL,
    shared          BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX saved_reports_org ON saved_reports(organisation_id, name);

-- +goose Down
DROP TABLE saved_reports;
