-- +goose Up
-- Which clients received services in which months, for "clients who
-- received services" in a period (the dashboard, the builder's distinct
-- clients of services): counting distinct clients over a year of a region's
-- services (7M rows) takes seconds on any database, this table answers it
-- from one row per client.
--
-- A row is a client's months with services within a two-year window that
-- starts in January of year span: bit 0 is January of span, bit 23 December
-- of span + 1. Every service month is in two windows (span = its year and
-- the year before), so any period of up to twelve months lies inside one
-- window. branch_id is the branch the services were rendered in; 0 holds
-- the client's months in all branches together. The store rewrites a
-- client's rows from the services in the transaction of every service write
-- (record, edit, delete, merge, bulk load); Migrate fills it for databases
-- that had services before this migration.
CREATE TABLE active_client_months (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL,
    span            INTEGER NOT NULL,
    client_id       INTEGER NOT NULL,
    months          BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, branch_id, span, client_id)
);
CREATE INDEX active_client_months_client ON active_client_months(client_id, span);

-- clients_report replaces clients_org_created (its first two columns) and
-- holds what the dashboard and the builder read of new clients (branch,
-- gender, birth year, whether deleted or merged), so new clients in a period
-- are counted from the index alone.
DROP INDEX IF EXISTS clients_org_created;
CREATE INDEX clients_report ON clients(organisation_id, created_at, branch_id, gender, birth_year, deleted_at,
    merged_into, id);

-- services_type_date served filters by service type before services_report
-- (organisation, date, type, …) existed; every such query now reads that
-- index, and a region's 20M services need not keep a third date index.
DROP INDEX IF EXISTS services_type_date;

-- +goose Down
CREATE INDEX services_type_date ON services(type_id, rendered_on);
DROP INDEX clients_report;
CREATE INDEX clients_org_created ON clients(organisation_id, created_at);
DROP TABLE active_client_months;
