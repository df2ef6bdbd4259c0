-- +goose Up
-- Monitoring for the region (issue 21, budget 500 ms at 50,000 families):
-- each of its queries reads one index in the order it needs, with every
-- column it uses, instead of the tables' rows. The first signal, its triage
-- and the gaps between a family's signals (duplicates aside):
DROP INDEX signals_family_received;
CREATE INDEX signals_family_received ON signals(family_id, received_at, id, close_reason, triaged_at);
-- The first curator, the first approved task and the first done one:
CREATE INDEX family_curators_assigned ON family_curators(family_id, assigned_at);
DROP INDEX case_tasks_family;
CREATE INDEX case_tasks_family ON case_tasks(family_id, status, done_on, created_at);
-- The families by status over time (the timeline's status events):
CREATE INDEX family_events_status ON family_events(family_id, at, id, summary) WHERE kind IN ('created', 'status');
-- The levels between assessments:
CREATE INDEX family_assessments_completed ON family_assessments(family_id, form_id, assessed_on, id, total_score, level_label)
    WHERE status = 'completed';
-- The scope's condition on a family, joined to every row above:
CREATE INDEX families_monitoring ON families(id, merged_into, territory_id);

-- +goose Down
DROP INDEX families_monitoring;
DROP INDEX family_assessments_completed;
DROP INDEX family_events_status;
DROP INDEX case_tasks_family;
CREATE INDEX case_tasks_family ON case_tasks(family_id, status);
DROP INDEX family_curators_assigned;
DROP INDEX signals_family_received;
CREATE INDEX signals_family_received ON signals(family_id, received_at);
