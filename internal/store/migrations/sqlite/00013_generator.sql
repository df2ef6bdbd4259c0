-- +goose Up
-- The scale generator (opora demo --clients N with N above the demo size)
-- writes clients in batches, one transaction each, and records its progress
-- here in the same transaction: an interrupted run resumes from clients_done.
-- The benchmark refuses to run without a finished row.
CREATE TABLE generator_runs (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    seed            BIGINT NOT NULL,
    clients_target  BIGINT NOT NULL,
    clients_done    BIGINT NOT NULL DEFAULT 0,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP
);

-- +goose Down
DROP TABLE generator_runs;
