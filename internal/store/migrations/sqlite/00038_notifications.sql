-- +goose Up
-- Notifications (issue 21): in-app lines for one user each — a task given
-- to my agency or to me, a status change or a return of a task of my
-- family, an overdue task, a signal to triage. kind is a code the page
-- words; link is the page the line opens. email_state: 'pending' until the
-- e-mail job sent it (immediately or in the day's digest, 'sent') or found
-- the user does not get it by e-mail ('skipped').
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    family_id   INTEGER REFERENCES families(id),
    task_id     INTEGER REFERENCES case_tasks(id),
    signal_id   INTEGER REFERENCES signals(id),
    status      TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP,
    email_state TEXT NOT NULL DEFAULT 'pending' CHECK (email_state IN ('pending', 'sent', 'skipped'))
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_email ON notifications(user_id) WHERE email_state = 'pending';

-- A user's e-mail choice: every notification at once, a daily digest (the
-- default, also without a row) or none; muted_kinds are kinds never sent
-- by e-mail (codes separated by commas). last_digest_on is the day of the
-- last digest sent.
CREATE TABLE notification_prefs (
    user_id        INTEGER PRIMARY KEY REFERENCES users(id),
    email_mode     TEXT NOT NULL DEFAULT 'daily' CHECK (email_mode IN ('immediate', 'daily', 'off')),
    muted_kinds    TEXT NOT NULL DEFAULT '',
    last_digest_on DATE,
    updated_at     TIMESTAMP NOT NULL
);

-- An organisation's notification settings: its SMTP server (the password
-- is stored to log in with and never shown back) and after how many days
-- past the deadline an overdue task of its families goes to the КДН.
CREATE TABLE notification_settings (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    email_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    smtp_host       TEXT NOT NULL DEFAULT '',
    smtp_port       INTEGER NOT NULL DEFAULT 587,
    smtp_tls        TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_tls IN ('none', 'starttls', 'tls')),
    smtp_user       TEXT NOT NULL DEFAULT '',
    smtp_password   TEXT NOT NULL DEFAULT '',
    mail_from       TEXT NOT NULL DEFAULT '',
    kdn_after_days  INTEGER NOT NULL DEFAULT 3 CHECK (kdn_after_days BETWEEN 1 AND 60),
    version         INTEGER NOT NULL DEFAULT 1,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);

-- Overdue tasks escalated: to the agency's head the day after the
-- deadline ('head'), to the municipality's КДН some days later ('kdn').
-- Once per task, level and deadline: a moved deadline may escalate anew.
CREATE TABLE task_escalations (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES case_tasks(id),
    level        TEXT NOT NULL CHECK (level IN ('head', 'kdn')),
    due_on       DATE NOT NULL,
    escalated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX task_escalations_once ON task_escalations(task_id, level, due_on);

-- +goose Down
DROP TABLE task_escalations;
DROP TABLE notification_settings;
DROP TABLE notification_prefs;
DROP TABLE notifications;
