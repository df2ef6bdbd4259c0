-- +goose Up
-- Hints for the curator and early-crisis screening (issue 23).
--
-- life_events: what happened to a person that may lead to a crisis (a job
-- lost, a divorce, a child's illness); kind is one of opora.LifeEventKinds.
-- family_id is the family card the person belonged to when it was recorded
-- (NULL for a person without one).
CREATE TABLE life_events (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    client_id       BIGINT NOT NULL REFERENCES clients(id),
    family_id       BIGINT REFERENCES families(id),
    kind            TEXT NOT NULL,
    occurred_on     DATE NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX life_events_client ON life_events(client_id, occurred_on);
CREATE INDEX life_events_family ON life_events(family_id, occurred_on);

-- Rule hints, network-wide, edited by the region's methodologists:
-- conditions and measures as JSON (opora.HintCondition, opora.HintMeasure).
CREATE TABLE hint_rules (
    id           BIGSERIAL PRIMARY KEY,
    difficulty   TEXT NOT NULL,
    conditions   TEXT NOT NULL DEFAULT '[]',
    measures     TEXT NOT NULL DEFAULT '[]',
    source       TEXT NOT NULL DEFAULT '',
    early_crisis BOOLEAN NOT NULL DEFAULT FALSE,
    disabled     BOOLEAN NOT NULL DEFAULT FALSE,
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   BIGINT REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_by   BIGINT REFERENCES users(id),
    updated_at   TIMESTAMPTZ NOT NULL
);

-- A curator's verdict on a hint shown for a family: hint_kind 'rule'
-- (hint_ref the rule's id) or 'learned' (hint_ref the learned hint's key).
CREATE TABLE hint_feedback (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    hint_kind       TEXT NOT NULL CHECK (hint_kind IN ('rule', 'learned')),
    hint_ref        TEXT NOT NULL,
    family_id       BIGINT REFERENCES families(id),
    verdict         TEXT NOT NULL CHECK (verdict IN ('useful', 'not_useful', 'wrong')),
    comment         TEXT NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX hint_feedback_hint ON hint_feedback(hint_kind, hint_ref);
CREATE INDEX hint_feedback_family ON hint_feedback(family_id);

-- What a worker did about a family or a person on the early screening
-- list (an offer of help, not a sanction).
CREATE TABLE screening_actions (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    family_id       BIGINT REFERENCES families(id),
    client_id       BIGINT REFERENCES clients(id),
    outcome         TEXT NOT NULL CHECK (outcome IN ('contacted', 'offered', 'declined', 'not_relevant')),
    comment         TEXT NOT NULL DEFAULT '',
    acted_on        DATE NOT NULL,
    created_by      BIGINT REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL,
    CHECK ((family_id IS NULL) <> (client_id IS NULL))
);
CREATE INDEX screening_actions_family ON screening_actions(family_id, acted_on);
CREATE INDEX screening_actions_client ON screening_actions(client_id, acted_on);

-- The status key after a family's creation or status change (the hints
-- learn from the status history by key; labels are the organisation's to
-- rename). Earlier rows take the key of the label in the family's
-- organisation's dictionary, where it still has that label.
ALTER TABLE family_events ADD COLUMN status_key TEXT NOT NULL DEFAULT '';
UPDATE family_events SET status_key = COALESCE((SELECT MIN(d.key) FROM families f
    JOIN dictionary_items d ON d.organisation_id = f.organisation_id AND d.dictionary = 'family_status'
        AND d.label = family_events.summary
    WHERE f.id = family_events.family_id), '')
WHERE kind IN ('created', 'status');

-- The region's methodologists edit hints: the network administrator role
-- gets hints.manage (new organisations get it from opora.NetworkAdminBuiltin).
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'hints.manage' FROM roles WHERE key = 'network_admin'
    AND id NOT IN (SELECT role_id FROM role_permissions WHERE permission = 'hints.manage');

-- +goose Down
DELETE FROM role_permissions WHERE permission = 'hints.manage';
ALTER TABLE family_events DROP COLUMN status_key;
DROP TABLE screening_actions;
DROP TABLE hint_feedback;
DROP TABLE hint_rules;
DROP TABLE life_events;
