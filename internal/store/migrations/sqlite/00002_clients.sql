-- +goose Up
-- Stored files (photos, scans, documents). The bytes live in the data
-- folder under files/, named by storage_key; never in a served folder.
CREATE TABLE files (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    mime            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX files_client ON files(client_id);

CREATE TABLE clients (
    id                    INTEGER PRIMARY KEY,
    organisation_id       INTEGER NOT NULL REFERENCES organisations(id),
    branch_id             INTEGER NOT NULL REFERENCES branches(id),
    surname               TEXT NOT NULL,
    first_name            TEXT NOT NULL DEFAULT '',
    patronymic            TEXT NOT NULL DEFAULT '',
    birth_date            DATE,
    birth_year            INTEGER,
    birth_precision       TEXT NOT NULL DEFAULT '' CHECK (birth_precision IN ('', 'date', 'year', 'age')),
    birth_place           TEXT NOT NULL DEFAULT '',
    gender                TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'male', 'female')),
    homeless_status       TEXT NOT NULL DEFAULT '' CHECK (homeless_status IN ('', 'homeless', 'housed', 'at_risk')),
    homeless_since        DATE,
    photo_id              INTEGER REFERENCES files(id),
    thumb_id              INTEGER REFERENCES files(id),
    responsible_id        INTEGER REFERENCES users(id),
    search_key            TEXT NOT NULL DEFAULT '',
    consent_date          DATE,
    consent_by            INTEGER REFERENCES users(id),
    consent_file_id       INTEGER REFERENCES files(id),
    version               INTEGER NOT NULL DEFAULT 1,
    created_by            INTEGER REFERENCES users(id),
    created_at            TIMESTAMP NOT NULL,
    updated_by            INTEGER REFERENCES users(id),
    updated_at            TIMESTAMP NOT NULL,
    deleted_at            TIMESTAMP,
    deleted_by            INTEGER REFERENCES users(id),
    delete_reason         TEXT NOT NULL DEFAULT '',
    merged_into           INTEGER REFERENCES clients(id)
);
CREATE INDEX clients_org_branch ON clients(organisation_id, branch_id);
CREATE INDEX clients_responsible ON clients(responsible_id);
CREATE INDEX clients_org_birth ON clients(organisation_id, birth_year);

-- One chronological history per client. Every feature that changes a
-- client's data writes a row here in the same transaction. sensitivity
-- decides who may read the row ('' = ordinary).
CREATE TABLE client_events (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    at              TIMESTAMP NOT NULL,
    user_id         INTEGER REFERENCES users(id),
    kind            TEXT NOT NULL,
    entity          TEXT NOT NULL DEFAULT '',
    entity_id       INTEGER,
    sensitivity     TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    changes         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX client_events_client ON client_events(client_id, at);

-- +goose Down
DROP TABLE client_events;
DROP TABLE clients;
DROP TABLE files;
