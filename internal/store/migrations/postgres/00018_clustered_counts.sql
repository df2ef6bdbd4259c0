-- +goose Up
-- service_counts and active_client_months are read by key ranges
-- (organisation, day … / organisation, branch, window …). Their primary keys
-- also carry the counted columns, so those ranges are index-only scans
-- instead of a heap fetch per row (SQLite makes the tables WITHOUT ROWID
-- for the same reason).
ALTER TABLE service_counts DROP CONSTRAINT service_counts_pkey,
    ADD CONSTRAINT service_counts_pkey PRIMARY KEY (organisation_id, day, branch_id, type_id, worker_id)
    INCLUDE (services, amount_kopecks);
ALTER TABLE active_client_months DROP CONSTRAINT active_client_months_pkey,
    ADD CONSTRAINT active_client_months_pkey PRIMARY KEY (organisation_id, branch_id, span, client_id) INCLUDE (months);

-- Cases opened and closed in a period, organisation-wide (dashboard,
-- builder): the date ranges without going through every client.
CREATE INDEX cases_org_opened ON cases(organisation_id, opened_on);
CREATE INDEX cases_org_closed ON cases(organisation_id, closed_on);

-- +goose Down
DROP INDEX cases_org_closed;
DROP INDEX cases_org_opened;
ALTER TABLE active_client_months DROP CONSTRAINT active_client_months_pkey,
    ADD CONSTRAINT active_client_months_pkey PRIMARY KEY (organisation_id, branch_id, span, client_id);
ALTER TABLE service_counts DROP CONSTRAINT service_counts_pkey,
    ADD CONSTRAINT service_counts_pkey PRIMARY KEY (organisation_id, day, branch_id, type_id, worker_id);
