-- +goose Up
-- Diagnostic assessment of a family (Flow B) and the draft help plan.
-- Assessment forms are forms of kind 'assessment' edited in the
-- questionnaire builder: sections are the domains, choice fields the
-- indicators, each option carries a score.
ALTER TABLE forms ADD COLUMN kind TEXT NOT NULL DEFAULT 'client' CHECK (kind IN ('client', 'assessment'));
ALTER TABLE field_options ADD COLUMN score INTEGER NOT NULL DEFAULT 0;

-- The region's levels of an assessment form: a completed assessment takes
-- the level with the highest min_score not above its total.
CREATE TABLE assessment_levels (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    form_id         INTEGER NOT NULL REFERENCES forms(id),
    label           TEXT NOT NULL,
    min_score       INTEGER NOT NULL DEFAULT 0,
    position        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assessment_levels_form ON assessment_levels(form_id, min_score);

-- The definition an assessment was completed with (domains, indicators,
-- options with scores, levels) as JSON; a new row only when the definition
-- changed since the form's last snapshot (same hash = same definition).
CREATE TABLE assessment_snapshots (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    form_id         INTEGER NOT NULL REFERENCES forms(id),
    hash            TEXT NOT NULL,
    definition      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX assessment_snapshots_hash ON assessment_snapshots(form_id, hash);

-- A family's assessments. answers: JSON {field id: option id}. A draft has
-- no snapshot and no scores; a completed one has both (domain_scores:
-- JSON {section id: score}).
CREATE TABLE family_assessments (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    family_id       INTEGER NOT NULL REFERENCES families(id),
    form_id         INTEGER NOT NULL REFERENCES forms(id),
    snapshot_id     INTEGER REFERENCES assessment_snapshots(id),
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'completed')),
    assessed_on     DATE NOT NULL,
    assessor_id     INTEGER REFERENCES users(id),
    answers         TEXT NOT NULL DEFAULT '{}',
    domain_scores   TEXT NOT NULL DEFAULT '{}',
    total_score     INTEGER,
    level_label     TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX family_assessments_family ON family_assessments(family_id, assessed_on);

-- The draft help plan of a family's case: proposed tasks, never assigned
-- to an agency; the council (next issue) approves them into case_tasks.
CREATE TABLE draft_plan_tasks (
    id                   INTEGER PRIMARY KEY,
    organisation_id      INTEGER NOT NULL REFERENCES organisations(id),
    case_id              INTEGER NOT NULL REFERENCES cases(id),
    family_id            INTEGER NOT NULL REFERENCES families(id),
    type_id              INTEGER NOT NULL REFERENCES dictionary_items(id),
    what                 TEXT NOT NULL DEFAULT '',
    reason               TEXT NOT NULL DEFAULT '',
    indicator_field_id   INTEGER REFERENCES form_fields(id),
    indicator_label      TEXT NOT NULL DEFAULT '',
    proposed_agency_type TEXT NOT NULL DEFAULT '',
    due_on               DATE,
    position             INTEGER NOT NULL DEFAULT 0,
    created_by           INTEGER REFERENCES users(id),
    created_at           TIMESTAMP NOT NULL,
    updated_by           INTEGER REFERENCES users(id),
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX draft_plan_tasks_case ON draft_plan_tasks(case_id, position);
CREATE INDEX draft_plan_tasks_family ON draft_plan_tasks(family_id);

-- +goose Down
DROP TABLE draft_plan_tasks;
DROP TABLE family_assessments;
DROP TABLE assessment_snapshots;
DROP TABLE assessment_levels;
ALTER TABLE field_options DROP COLUMN score;
ALTER TABLE forms DROP COLUMN kind;
