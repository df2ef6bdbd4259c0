-- +goose Up
-- Agency tasks (issue 21): see the SQLite migration for what each column is.
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_status_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_status_check
    CHECK (status IN ('planned', 'accepted', 'in_progress', 'done', 'returned', 'cancelled', 'failed'));
ALTER TABLE case_tasks ADD COLUMN family_id BIGINT REFERENCES families(id);
ALTER TABLE case_tasks ADD COLUMN assignee_id BIGINT REFERENCES users(id);
ALTER TABLE case_tasks ADD COLUMN report TEXT NOT NULL DEFAULT '';
ALTER TABLE case_tasks ADD COLUMN report_file_id BIGINT REFERENCES files(id);
ALTER TABLE case_tasks ADD COLUMN return_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE case_tasks ADD COLUMN return_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE case_tasks ADD COLUMN proposed_due_on DATE;
ALTER TABLE case_tasks ADD COLUMN status_changed_at TIMESTAMPTZ;
UPDATE case_tasks SET status_changed_at = updated_at;
CREATE INDEX case_tasks_family ON case_tasks(family_id, status);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee_id, status, due_on);

-- +goose Down
DELETE FROM case_tasks WHERE family_id IS NOT NULL;
UPDATE case_tasks SET status = 'planned' WHERE status IN ('accepted', 'returned');
DROP INDEX case_tasks_assignee;
DROP INDEX case_tasks_family;
ALTER TABLE case_tasks DROP COLUMN status_changed_at;
ALTER TABLE case_tasks DROP COLUMN proposed_due_on;
ALTER TABLE case_tasks DROP COLUMN return_comment;
ALTER TABLE case_tasks DROP COLUMN return_reason;
ALTER TABLE case_tasks DROP COLUMN report_file_id;
ALTER TABLE case_tasks DROP COLUMN report;
ALTER TABLE case_tasks DROP COLUMN assignee_id;
ALTER TABLE case_tasks DROP COLUMN family_id;
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_status_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_status_check
    CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled', 'failed'));
