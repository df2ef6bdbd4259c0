-- +goose Up
-- The regional procedure and the inter-agency council (issue 21 items 1, 2).
--
-- procedure_rules: the regional procedure as data. A rule names a task type
-- (by its dictionary key, the same in every agency: 'kindergarten_place')
-- or an assessment indicator (by its label) and says which kind of agency
-- is responsible, the default deadline in days, what counts as done and
-- whether the curator may give such a task at once. territory_id NULL is
-- the network-wide rule; a municipality's row overrides it.
CREATE TABLE procedure_rules (
    id                 INTEGER PRIMARY KEY,
    territory_id       INTEGER REFERENCES territories(id),
    task_type_key      TEXT NOT NULL DEFAULT '',
    indicator          TEXT NOT NULL DEFAULT '',
    agency_type        TEXT NOT NULL,
    due_days           INTEGER NOT NULL DEFAULT 0 CHECK (due_days >= 0),
    done_when          TEXT NOT NULL DEFAULT '',
    curator_may_assign BOOLEAN NOT NULL DEFAULT FALSE,
    created_by         INTEGER REFERENCES users(id),
    created_at         TIMESTAMP NOT NULL,
    updated_by         INTEGER REFERENCES users(id),
    updated_at         TIMESTAMP NOT NULL,
    CHECK ((task_type_key = '') <> (indicator = ''))
);
CREATE UNIQUE INDEX procedure_rules_subject ON procedure_rules(COALESCE(territory_id, 0), task_type_key, indicator);

-- The date the council reviews the family next (set by its decision).
ALTER TABLE families ADD COLUMN next_review_on DATE;

-- A council (консилиум) of one municipality, run by the organisation that
-- holds it (the municipality's КДН); it meets on weekday (0 Sunday … 6
-- Saturday) of the weeks of the month listed in weeks ("2,4").
CREATE TABLE councils (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    territory_id    INTEGER NOT NULL REFERENCES territories(id),
    name            TEXT NOT NULL,
    weekday         INTEGER NOT NULL DEFAULT 2 CHECK (weekday BETWEEN 0 AND 6),
    weeks           TEXT NOT NULL DEFAULT '2,4',
    starts_at       TEXT NOT NULL DEFAULT '10:00',
    place           TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX councils_org ON councils(organisation_id);

-- Its members: an agency of the network, and the person who sits for it.
CREATE TABLE council_members (
    id              INTEGER PRIMARY KEY,
    council_id      INTEGER NOT NULL REFERENCES councils(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    user_id         INTEGER REFERENCES users(id),
    position        TEXT NOT NULL DEFAULT '',
    added_at        TIMESTAMP NOT NULL,
    removed_at      TIMESTAMP
);
CREATE INDEX council_members_council ON council_members(council_id);

-- Its meetings: planned from the schedule, held with a КДН resolution.
CREATE TABLE council_meetings (
    id                INTEGER PRIMARY KEY,
    council_id        INTEGER NOT NULL REFERENCES councils(id),
    held_on           DATE NOT NULL,
    starts_at         TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    resolution_number TEXT NOT NULL DEFAULT '',
    resolution_date   DATE,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMP NOT NULL,
    updated_by        INTEGER REFERENCES users(id),
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX council_meetings_day ON council_meetings(council_id, held_on);

CREATE TABLE council_attendance (
    meeting_id INTEGER NOT NULL REFERENCES council_meetings(id),
    member_id  INTEGER NOT NULL REFERENCES council_members(id),
    present    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (meeting_id, member_id)
);

-- A decision about a family at a meeting. on_agenda is false for a family
-- the agenda did not list (allowed, marked in the minutes). summary is the
-- decision's codes and values as JSON changes (the minutes say them).
CREATE TABLE council_decisions (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES council_meetings(id),
    family_id   INTEGER NOT NULL REFERENCES families(id),
    kind        TEXT NOT NULL CHECK (kind IN ('approve_plan', 'reassign', 'status', 'review', 'close')),
    on_agenda   BOOLEAN NOT NULL DEFAULT TRUE,
    changes     TEXT NOT NULL DEFAULT '[]',
    created_by  INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX council_decisions_meeting ON council_decisions(meeting_id, family_id);
CREATE INDEX council_decisions_family ON council_decisions(family_id);

-- Each task the council gave an agency: the agency the procedure proposed,
-- the one chosen, and the reason when they differ.
CREATE TABLE council_decision_tasks (
    id                 INTEGER PRIMARY KEY,
    decision_id        INTEGER NOT NULL REFERENCES council_decisions(id),
    task_id            INTEGER NOT NULL REFERENCES case_tasks(id),
    proposed_org_id    INTEGER REFERENCES organisations(id),
    responsible_org_id INTEGER NOT NULL REFERENCES organisations(id),
    reason             TEXT NOT NULL DEFAULT '',
    due_on             DATE
);
CREATE INDEX council_decision_tasks_decision ON council_decision_tasks(decision_id);
CREATE INDEX council_decision_tasks_task ON council_decision_tasks(task_id);

-- The КДН secretary runs the council.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'council.manage' FROM roles WHERE key = 'kdn_secretary'
    AND id NOT IN (SELECT role_id FROM role_permissions WHERE permission = 'council.manage');

-- +goose Down
DELETE FROM role_permissions WHERE permission = 'council.manage';
DROP TABLE council_decision_tasks;
DROP TABLE council_decisions;
DROP TABLE council_attendance;
DROP TABLE council_meetings;
DROP TABLE council_members;
DROP TABLE councils;
ALTER TABLE families DROP COLUMN next_review_on;
DROP TABLE procedure_rules;
