-- +goose Up
-- Indexes that matter at a region's size (issue 7: 1M clients, 20M services).
--
-- clients_words: a word index over clients.search_key, kept in sync by
-- triggers like clients_fts. The typo stage of search looks clients up by the
-- dictionary words a typed word may stand for; as whole words (and the typed
-- word as a prefix) that is one term lookup each, where the trigram index
-- had to intersect long trigram lists for every alternative.
CREATE VIRTUAL TABLE clients_words USING fts5(search_key, content='clients', content_rowid='id', prefix='2 3');

-- +goose StatementBegin
CREATE TRIGGER clients_words_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_words(rowid, search_key) VALUES (new.id, new.search_key);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER clients_words_delete AFTER DELETE ON clients BEGIN
    INSERT INTO clients_words(clients_words, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER clients_words_update AFTER UPDATE OF search_key ON clients BEGIN
    INSERT INTO clients_words(clients_words, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO clients_words(rowid, search_key) VALUES (new.id, new.search_key);
END;
-- +goose StatementEnd

INSERT INTO clients_words(clients_words) VALUES ('rebuild');

-- services_report replaces services_org_date (its first two columns) and
-- holds everything a services report or the dashboard reads, so counting a
-- year of services reads the index alone, not millions of rows scattered
-- over the table (which is in client order, not date order). Not partial:
-- with both indexes SQLite kept choosing the narrow one.
DROP INDEX IF EXISTS services_org_date;
CREATE INDEX services_report ON services(organisation_id, rendered_on, type_id, branch_id, worker_id, client_id,
    amount_kopecks, deleted_at);

-- clients_org_created: new clients in a period (dashboard, builder).
CREATE INDEX clients_org_created ON clients(organisation_id, created_at);

-- +goose Down
DROP INDEX clients_org_created;
DROP INDEX services_report;
CREATE INDEX services_org_date ON services(organisation_id, rendered_on);
DROP TRIGGER clients_words_update;
DROP TRIGGER clients_words_delete;
DROP TRIGGER clients_words_insert;
DROP TABLE clients_words;
