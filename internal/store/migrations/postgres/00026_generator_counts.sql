-- +goose Up
-- The scale generator keeps the count tables' deltas (services, service
-- types, visits, new clients) in memory for the whole load and writes them
-- once at the end, instead of upserting the same rows again in every
-- batch. Between its first batch and that write the tables lack the
-- batches' rows: counts_stale says so, in the batches' own transactions,
-- and the store recounts the tables from their sources (Migrate, or the
-- generator's next run) when a run stopped before it cleared the flag.
ALTER TABLE generator_runs ADD COLUMN counts_stale BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE generator_runs DROP COLUMN counts_stale;
