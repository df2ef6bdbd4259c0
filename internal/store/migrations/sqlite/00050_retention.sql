-- +goose Up
-- Retention and destruction of personal data (issue 22 item 3).
--
-- retention_rules: how long an organisation keeps the data of a group of
-- clients: per case type (case_type_id) or for every client (NULL), a
-- trigger (case_closed, last_activity, client_deleted; consent_withdrawn
-- is reserved for the per-purpose consents), a period (amount × unit) and
-- an action (anonymise or destroy).
CREATE TABLE retention_rules (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    case_type_id    INTEGER REFERENCES dictionary_items(id),
    trigger_kind    TEXT NOT NULL CHECK (trigger_kind IN ('case_closed', 'last_activity', 'client_deleted', 'consent_withdrawn')),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    unit            TEXT NOT NULL CHECK (unit IN ('days', 'months', 'years')),
    action          TEXT NOT NULL CHECK (action IN ('anonymise', 'destroy')),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX retention_rules_org ON retention_rules(organisation_id);

-- What the daily job found due: one row per client (the rule whose period
-- ran out first). Rewritten per organisation on every run.
CREATE TABLE retention_due (
    client_id       INTEGER PRIMARY KEY REFERENCES clients(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    rule_id         INTEGER NOT NULL REFERENCES retention_rules(id),
    trigger_day     DATE NOT NULL,
    due_since       DATE NOT NULL,
    found_at        TIMESTAMP NOT NULL
);
CREATE INDEX retention_due_org ON retention_due(organisation_id, due_since);

-- The record of each destruction (the act): the client's number only
-- (client_no: the record's number, which keeps no data and is never
-- merged, so no client_id), no personal data. Kept three years, then removed by the job.
CREATE TABLE destructions (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_no       INTEGER NOT NULL,
    action          TEXT NOT NULL,
    categories      TEXT NOT NULL,
    reason          TEXT NOT NULL,
    rule_id         INTEGER,
    rule_name       TEXT NOT NULL DEFAULT '',
    trigger_day     DATE,
    due_since       DATE,
    approved_by     INTEGER NOT NULL REFERENCES users(id),
    done_at         TIMESTAMP NOT NULL,
    files_removed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX destructions_org ON destructions(organisation_id, done_at);

-- Files whose rows are gone and whose bytes still wait to be removed from
-- disk: written in the transaction that drops the rows, removed after it
-- commits, so a crash in between leaves a row the next run finishes.
CREATE TABLE file_removals (
    storage_key TEXT PRIMARY KEY,
    queued_at   TIMESTAMP NOT NULL
);

ALTER TABLE clients ADD COLUMN destroyed_at TIMESTAMP;
-- Days a deleted file or replaced photo stays on disk.
ALTER TABLE organisations ADD COLUMN file_grace_days INTEGER NOT NULL DEFAULT 30;

-- A destruction finds the audit rows of a client's files by their section.
CREATE INDEX audit_file_section ON audit_log(section) WHERE entity = 'file';

INSERT INTO role_permissions (role_id, permission)
SELECT id, 'retention.approve' FROM roles WHERE key = 'administrator'
    AND id NOT IN (SELECT role_id FROM role_permissions WHERE permission = 'retention.approve');

-- The audit log stays append-only, with one exception: a destruction
-- erases the old and new values (changes) of the rows about the destroyed
-- client; who did what, when and to which record stays.
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (new.changes = '' AND new.id = old.id AND new.at IS old.at AND new.organisation_id IS old.organisation_id
    AND new.user_id IS old.user_id AND new.action = old.action AND new.entity = old.entity
    AND new.entity_id IS old.entity_id AND new.section = old.section AND new.ip = old.ip)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP INDEX audit_file_section;
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
DELETE FROM role_permissions WHERE permission = 'retention.approve';
ALTER TABLE organisations DROP COLUMN file_grace_days;
ALTER TABLE clients DROP COLUMN destroyed_at;
DROP TABLE file_removals;
DROP TABLE destructions;
DROP TABLE retention_due;
DROP TABLE retention_rules;
