-- +goose Up
-- Client search: pg_trgm (a trusted extension: the database owner may
-- create it) with a GIN trigram index over clients.search_key (the folded,
-- transliterated name filled in Go by store.NameKey). search.go selects
-- candidates by LIKE and word similarity and re-ranks them by edit distance.
-- The extension lives in public so every schema on the search_path sees it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX clients_search_key_trgm ON clients USING gin (search_key public.gin_trgm_ops);

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
DROP INDEX clients_search_key_trgm;
