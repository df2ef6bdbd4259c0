-- +goose Up
-- Families (Flow B). A family card is held by one organisation (usually the
-- КДН that registered it); other organisations of the network reach it
-- through subject_grants. Members are client records: a person who is
-- already a client is linked, never copied. search_key holds the folded
-- names of the members, the address and the children's schools (NameKey).
CREATE TABLE families (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    territory_id    INTEGER REFERENCES territories(id),
    address         TEXT NOT NULL DEFAULT '',
    housing         TEXT NOT NULL DEFAULT '',
    income          TEXT NOT NULL DEFAULT '',
    status_id       INTEGER REFERENCES dictionary_items(id),
    status_since    DATE,
    curator_id      INTEGER REFERENCES users(id),
    curator_org_id  INTEGER REFERENCES organisations(id),
    search_key      TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX families_org ON families(organisation_id, id);
CREATE INDEX families_curator ON families(curator_id);
CREATE INDEX families_territory ON families(territory_id, status_id);

CREATE TABLE family_members (
    id            INTEGER PRIMARY KEY,
    family_id     INTEGER NOT NULL REFERENCES families(id),
    client_id     INTEGER NOT NULL REFERENCES clients(id),
    role          TEXT NOT NULL CHECK (role IN ('mother', 'father', 'step_parent', 'guardian', 'grandparent', 'child', 'other_adult')),
    joined_on     DATE,
    left_on       DATE,
    leave_reason  TEXT NOT NULL DEFAULT '',
    school_org_id INTEGER REFERENCES organisations(id),
    school_name   TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users(id),
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX family_members_once ON family_members(family_id, client_id);
CREATE INDEX family_members_client ON family_members(client_id);

-- Access of another organisation to one subject (a family or a client).
-- At most one open grant per subject and organisation.
CREATE TABLE subject_grants (
    id              INTEGER PRIMARY KEY,
    subject_type    TEXT NOT NULL CHECK (subject_type IN ('family', 'client')),
    subject_id      INTEGER NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    reason          TEXT NOT NULL DEFAULT '',
    granted_by      INTEGER REFERENCES users(id),
    granted_at      TIMESTAMP NOT NULL,
    revoked_by      INTEGER REFERENCES users(id),
    revoked_at      TIMESTAMP
);
CREATE UNIQUE INDEX subject_grants_open ON subject_grants(subject_type, subject_id, organisation_id) WHERE revoked_at IS NULL;
CREATE INDEX subject_grants_org ON subject_grants(organisation_id, subject_type, subject_id);

-- Curator assignments; the open one has no to_on.
CREATE TABLE family_curators (
    id              INTEGER PRIMARY KEY,
    family_id       INTEGER NOT NULL REFERENCES families(id),
    curator_id      INTEGER NOT NULL REFERENCES users(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    assigned_by     INTEGER REFERENCES users(id),
    assigned_at     TIMESTAMP NOT NULL,
    from_on         DATE NOT NULL,
    to_on           DATE
);
CREATE UNIQUE INDEX family_curators_open ON family_curators(family_id) WHERE to_on IS NULL;
CREATE INDEX family_curators_family ON family_curators(family_id, id);

-- The family's timeline: members joined and left, curators, status
-- changes, edits. Data and codes only; the page words them.
CREATE TABLE family_events (
    id              INTEGER PRIMARY KEY,
    family_id       INTEGER NOT NULL REFERENCES families(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    at              TIMESTAMP NOT NULL,
    user_id         INTEGER REFERENCES users(id),
    kind            TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    changes         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX family_events_family ON family_events(family_id, at);

-- An organisation's grants go into its actors (Actor.FamilyGrants), which
-- are cached per auth_version.
-- +goose StatementBegin
CREATE TRIGGER subject_grants_auth_insert AFTER INSERT ON subject_grants BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subject_grants_auth_update AFTER UPDATE ON subject_grants BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subject_grants_auth_delete AFTER DELETE ON subject_grants BEGIN UPDATE auth_version SET version = version + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER subject_grants_auth_insert;
DROP TRIGGER subject_grants_auth_update;
DROP TRIGGER subject_grants_auth_delete;
DROP TABLE family_events;
DROP TABLE family_curators;
DROP TABLE subject_grants;
DROP TABLE family_members;
DROP TABLE families;
