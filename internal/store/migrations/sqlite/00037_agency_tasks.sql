-- +goose NO TRANSACTION
-- +goose Up
-- Agency tasks (issue 21): the tasks of a family's help plan live in
-- case_tasks like every plan task, on the family's case (client_id NULL,
-- family_id set), in the queue of the responsible agency
-- (responsible_org_id). Two statuses join the old ones: 'accepted' (the
-- agency took the task) and 'returned' (the agency gave it back with a
-- reason). The agency head picks one of their specialists (assignee_id);
-- done carries a short report and optionally a document; a return carries
-- a reason code, a comment and possibly a proposed new deadline.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (the
-- documented procedure: foreign keys off on this one connection — the
-- store's writer has exactly one — and everything in one transaction).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE case_tasks_new (
    id                 INTEGER PRIMARY KEY,
    organisation_id    INTEGER NOT NULL REFERENCES organisations(id),
    case_id            INTEGER NOT NULL REFERENCES cases(id),
    client_id          INTEGER REFERENCES clients(id),
    type_id            INTEGER NOT NULL REFERENCES dictionary_items(id),
    description        TEXT NOT NULL DEFAULT '',
    responsible_id     INTEGER REFERENCES users(id),
    responsible_org_id INTEGER REFERENCES organisations(id),
    start_on           DATE NOT NULL,
    due_on             DATE,
    done_on            DATE,
    status             TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'accepted', 'in_progress', 'done', 'returned', 'cancelled', 'failed')),
    fail_reason        TEXT NOT NULL DEFAULT '',
    position           INTEGER NOT NULL DEFAULT 0,
    version            INTEGER NOT NULL DEFAULT 1,
    created_by         INTEGER REFERENCES users(id),
    created_at         TIMESTAMP NOT NULL,
    updated_by         INTEGER REFERENCES users(id),
    updated_at         TIMESTAMP NOT NULL,
    family_id          INTEGER REFERENCES families(id),
    assignee_id        INTEGER REFERENCES users(id),
    report             TEXT NOT NULL DEFAULT '',
    report_file_id     INTEGER REFERENCES files(id),
    return_reason      TEXT NOT NULL DEFAULT '',
    return_comment     TEXT NOT NULL DEFAULT '',
    proposed_due_on    DATE,
    status_changed_at  TIMESTAMP,
    CHECK (due_on IS NULL OR due_on >= start_on)
);
INSERT INTO case_tasks_new (id, organisation_id, case_id, client_id, type_id, description, responsible_id,
    responsible_org_id, start_on, due_on, done_on, status, fail_reason, position, version, created_by, created_at,
    updated_by, updated_at, status_changed_at)
SELECT id, organisation_id, case_id, client_id, type_id, description, responsible_id,
    responsible_org_id, start_on, due_on, done_on, status, fail_reason, position, version, created_by, created_at,
    updated_by, updated_at, updated_at
FROM case_tasks;
DROP TABLE case_tasks;
ALTER TABLE case_tasks_new RENAME TO case_tasks;
CREATE INDEX case_tasks_case ON case_tasks(case_id, position);
CREATE INDEX case_tasks_responsible ON case_tasks(responsible_id, status, due_on);
CREATE INDEX case_tasks_responsible_org ON case_tasks(responsible_org_id, status, due_on);
CREATE INDEX case_tasks_client ON case_tasks(client_id);
CREATE INDEX case_tasks_family ON case_tasks(family_id, status);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee_id, status, due_on);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DELETE FROM case_tasks WHERE family_id IS NOT NULL;
UPDATE case_tasks SET status = 'planned' WHERE status IN ('accepted', 'returned');
CREATE TABLE case_tasks_old (
    id                 INTEGER PRIMARY KEY,
    organisation_id    INTEGER NOT NULL REFERENCES organisations(id),
    case_id            INTEGER NOT NULL REFERENCES cases(id),
    client_id          INTEGER REFERENCES clients(id),
    type_id            INTEGER NOT NULL REFERENCES dictionary_items(id),
    description        TEXT NOT NULL DEFAULT '',
    responsible_id     INTEGER REFERENCES users(id),
    responsible_org_id INTEGER REFERENCES organisations(id),
    start_on           DATE NOT NULL,
    due_on             DATE,
    done_on            DATE,
    status             TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled', 'failed')),
    fail_reason        TEXT NOT NULL DEFAULT '',
    position           INTEGER NOT NULL DEFAULT 0,
    version            INTEGER NOT NULL DEFAULT 1,
    created_by         INTEGER REFERENCES users(id),
    created_at         TIMESTAMP NOT NULL,
    updated_by         INTEGER REFERENCES users(id),
    updated_at         TIMESTAMP NOT NULL,
    CHECK (due_on IS NULL OR due_on >= start_on)
);
INSERT INTO case_tasks_old SELECT id, organisation_id, case_id, client_id, type_id, description, responsible_id,
    responsible_org_id, start_on, due_on, done_on, status, fail_reason, position, version, created_by, created_at,
    updated_by, updated_at FROM case_tasks;
DROP TABLE case_tasks;
ALTER TABLE case_tasks_old RENAME TO case_tasks;
CREATE INDEX case_tasks_case ON case_tasks(case_id, position);
CREATE INDEX case_tasks_responsible ON case_tasks(responsible_id, status, due_on);
CREATE INDEX case_tasks_responsible_org ON case_tasks(responsible_org_id, status, due_on);
CREATE INDEX case_tasks_client ON case_tasks(client_id);
COMMIT;
PRAGMA foreign_keys = ON;
