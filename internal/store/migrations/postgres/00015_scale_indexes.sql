-- +goose Up
-- Indexes that matter at a region's size (issue 7: 1M clients, 20M services).
--
-- clients_search_words: a word index over clients.search_key. The typo stage
-- of search looks clients up by the dictionary words a typed word may stand
-- for; as whole words (and the typed word as a prefix) that is a few GIN
-- term lookups, where LIKE '%word%' had to intersect long trigram lists for
-- every alternative.
CREATE INDEX clients_search_words ON clients USING gin (to_tsvector('simple', search_key));

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
DROP INDEX clients_search_words;
