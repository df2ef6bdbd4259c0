-- +goose Up
-- Client search: a trigram full-text index over clients.search_key (the
-- folded, transliterated name filled in Go by store.NameKey), kept in sync
-- by triggers. Candidates come from the index; search.go re-ranks them by
-- edit distance per word.
CREATE VIRTUAL TABLE clients_fts USING fts5(search_key, content='clients', content_rowid='id', tokenize='trigram');

-- +goose StatementBegin
CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_fts(rowid, search_key) VALUES (new.id, new.search_key);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER clients_fts_delete AFTER DELETE ON clients BEGIN
    INSERT INTO clients_fts(clients_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER clients_fts_update AFTER UPDATE OF search_key ON clients BEGIN
    INSERT INTO clients_fts(clients_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO clients_fts(rowid, search_key) VALUES (new.id, new.search_key);
END;
-- +goose StatementEnd

INSERT INTO clients_fts(clients_fts) VALUES ('rebuild');

-- Which version of store.NameKey the stored search keys were made with;
-- Migrate re-keys every client when the code's version is newer.
CREATE TABLE search_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key_version INTEGER NOT NULL
);
INSERT INTO search_state (id, key_version) VALUES (1, 0);

CREATE INDEX clients_org_birth_date ON clients(organisation_id, birth_date);

-- +goose Down
DROP INDEX clients_org_birth_date;
DROP TABLE search_state;
DROP TRIGGER clients_fts_update;
DROP TRIGGER clients_fts_delete;
DROP TRIGGER clients_fts_insert;
DROP TABLE clients_fts;
