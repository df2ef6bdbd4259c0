-- +goose Up
-- Cases (support programmes) with plans of tasks. A case has a generic
-- subject (subject_type 'client' now, 'family' later); client_id repeats
-- subject_id for client cases so access checks and merges can follow it.
-- At most one open case per subject: the profile shows "the" open case.
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    subject_type    TEXT NOT NULL CHECK (subject_type IN ('client', 'family')),
    subject_id      INTEGER NOT NULL,
    client_id       INTEGER REFERENCES clients(id),
    type_id         INTEGER NOT NULL REFERENCES dictionary_items(id),
    curator_id      INTEGER NOT NULL REFERENCES users(id),
    opened_on       DATE NOT NULL,
    closed_on       DATE,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome         TEXT NOT NULL DEFAULT '',
    outcome_comment TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX cases_client ON cases(client_id, opened_on);
CREATE INDEX cases_org_status ON cases(organisation_id, status);
CREATE UNIQUE INDEX cases_one_open ON cases(subject_type, subject_id) WHERE status = 'open';

-- Workers of the case's organisation, or organisations of the network.
CREATE TABLE case_participants (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    user_id         INTEGER REFERENCES users(id),
    organisation_id INTEGER REFERENCES organisations(id),
    role            TEXT NOT NULL DEFAULT '',
    CHECK ((user_id IS NULL) <> (organisation_id IS NULL))
);
CREATE INDEX case_participants_case ON case_participants(case_id);

-- Plan tasks. organisation_id is the case's organisation; the responsible
-- is a worker (responsible_id) or an organisation's queue (responsible_org_id).
CREATE TABLE case_tasks (
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
CREATE INDEX case_tasks_case ON case_tasks(case_id, position);
CREATE INDEX case_tasks_responsible ON case_tasks(responsible_id, status, due_on);
CREATE INDEX case_tasks_responsible_org ON case_tasks(responsible_org_id, status, due_on);
CREATE INDEX case_tasks_client ON case_tasks(client_id);

CREATE TABLE task_comments (
    id              INTEGER PRIMARY KEY,
    task_id         INTEGER NOT NULL REFERENCES case_tasks(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    user_id         INTEGER REFERENCES users(id),
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX task_comments_task ON task_comments(task_id, created_at);

-- Plan templates: named sequences of tasks with due dates in days from the
-- day the template is applied.
CREATE TABLE plan_templates (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    key             TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX plan_templates_org ON plan_templates(organisation_id, position);

CREATE TABLE plan_template_items (
    id          INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES plan_templates(id) ON DELETE CASCADE,
    type_id     INTEGER NOT NULL REFERENCES dictionary_items(id),
    description TEXT NOT NULL DEFAULT '',
    due_days    INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX plan_template_items_template ON plan_template_items(template_id, position);

-- +goose Down
DROP TABLE plan_template_items;
DROP TABLE plan_templates;
DROP TABLE task_comments;
DROP TABLE case_tasks;
DROP TABLE case_participants;
DROP TABLE cases;
