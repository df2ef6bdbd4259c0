-- +goose Up
-- Visits to a family (home visits, phone calls, meetings at the office),
-- recorded by the curator on a tablet, also offline. client_uuid is made
-- on the device: the same visit sent again by its author is recognised and
-- acknowledged, never inserted twice. A visit that arrives after the
-- author lost the family (curator changed, grant revoked), names a member
-- who has left, or is dated in the future is kept, flagged (conflict,
-- conflict_reason: codes separated by commas) for the current curator.
CREATE TABLE family_visits (
    id              INTEGER PRIMARY KEY,
    family_id       INTEGER NOT NULL REFERENCES families(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_uuid     TEXT NOT NULL,
    visited_at      TIMESTAMP NOT NULL,
    recorded_at     TIMESTAMP NOT NULL,
    author_id       INTEGER NOT NULL REFERENCES users(id),
    present_members TEXT NOT NULL DEFAULT '',
    present_other   TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('home', 'phone', 'office')),
    observations    TEXT NOT NULL DEFAULT '',
    agreements      TEXT NOT NULL DEFAULT '',
    next_visit_on   DATE,
    conflict        BOOLEAN NOT NULL DEFAULT FALSE,
    conflict_reason TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX family_visits_once ON family_visits(author_id, client_uuid);
CREATE INDEX family_visits_family ON family_visits(family_id, visited_at);

-- +goose Down
DROP TABLE family_visits;
