-- +goose Up
-- service_counts without the worker: services and amounts per
-- organisation, day, branch and type, kept by the same writes in the same
-- transactions. Reports that neither filter nor group by worker (the
-- dashboard's services by month × type) read a tenth of the rows: a year of
-- a region's services is about 7,000 rows here, 87,000 in service_counts.
CREATE TABLE service_type_counts (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    day             DATE NOT NULL,
    branch_id       BIGINT NOT NULL,
    type_id         BIGINT NOT NULL,
    services        BIGINT NOT NULL,
    amount_kopecks  BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, day, branch_id, type_id) INCLUDE (services, amount_kopecks)
);
INSERT INTO service_type_counts (organisation_id, day, branch_id, type_id, services, amount_kopecks)
    SELECT organisation_id, day, branch_id, type_id, SUM(services), SUM(amount_kopecks)
    FROM service_counts GROUP BY organisation_id, day, branch_id, type_id;

-- +goose Down
DROP TABLE service_type_counts;
