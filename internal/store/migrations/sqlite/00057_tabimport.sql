-- +goose Up
-- Import of paper cards and spreadsheets (issue 24 item 2).
--
-- imports: one uploaded file and its runs (a dry run, then the import);
-- status is uploaded, checking, checked, importing, done or failed; the
-- counts are the last run's. storage_key names the uploaded file in the
-- data folder's imports/ (removed when the import is done).
CREATE TABLE imports (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    file_name       TEXT NOT NULL,
    file_hash       TEXT NOT NULL,
    storage_key     TEXT NOT NULL DEFAULT '',
    header          TEXT NOT NULL DEFAULT '[]',
    header_key      TEXT NOT NULL DEFAULT '',
    mapping         TEXT NOT NULL DEFAULT '[]',
    branch_id       INTEGER REFERENCES branches(id),
    status          TEXT NOT NULL DEFAULT 'uploaded',
    dry             BOOLEAN NOT NULL DEFAULT FALSE,
    progress        INTEGER NOT NULL DEFAULT 0,
    rows_done       INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL DEFAULT 0,
    already         INTEGER NOT NULL DEFAULT 0,
    error_rows      INTEGER NOT NULL DEFAULT 0,
    duplicates      INTEGER NOT NULL DEFAULT 0,
    failure         TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX imports_org ON imports(organisation_id, id);

-- The last run's row errors and likely duplicates: message is a catalog
-- key, column the file's column header; client_id the existing client a
-- row may duplicate.
CREATE TABLE import_problems (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES imports(id),
    row_no      INTEGER NOT NULL,
    col         TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL,
    client_id   INTEGER REFERENCES clients(id)
);
CREATE INDEX import_problems_import ON import_problems(import_id, id);

-- The mapping of columns to fields an organisation chose for a header row.
CREATE TABLE import_mappings (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    header_key      TEXT NOT NULL,
    mapping         TEXT NOT NULL,
    branch_id       INTEGER REFERENCES branches(id),
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, header_key)
);

-- Rows already imported, by a hash of the row's cells: the same row
-- again (the same file run twice, or in another file) creates nothing.
CREATE TABLE import_rows (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    row_key         TEXT NOT NULL,
    import_id       INTEGER NOT NULL REFERENCES imports(id),
    client_id       INTEGER REFERENCES clients(id),
    PRIMARY KEY (organisation_id, row_key)
);
CREATE INDEX import_rows_client ON import_rows(client_id);

-- +goose Down
DROP TABLE import_rows;
DROP TABLE import_mappings;
DROP TABLE import_problems;
DROP TABLE imports;
