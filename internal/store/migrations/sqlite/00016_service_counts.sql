-- +goose Up
-- Services counted per organisation, day, branch, type and worker, kept by
-- the store in the same transaction as every service write (record, edit,
-- delete, bulk load). Reports of services that need nothing of the client
-- (counts and amounts by period, branch, worker and type, organisation-wide)
-- read these rows instead of the services: a year of a region's services
-- (7M) is about 85,000 rows here.
CREATE TABLE service_counts (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    day             DATE NOT NULL,
    branch_id       INTEGER NOT NULL,
    type_id         INTEGER NOT NULL,
    worker_id       INTEGER NOT NULL,
    services        BIGINT NOT NULL,
    amount_kopecks  BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, day, branch_id, type_id, worker_id)
);
INSERT INTO service_counts (organisation_id, day, branch_id, type_id, worker_id, services, amount_kopecks)
    SELECT organisation_id, rendered_on, branch_id, type_id, worker_id, COUNT(*), COALESCE(SUM(amount_kopecks), 0)
    FROM services WHERE deleted_at IS NULL
    GROUP BY organisation_id, rendered_on, branch_id, type_id, worker_id;

-- +goose Down
DROP TABLE service_counts;
