-- +goose Up
-- Signals (Flow B): a concern about a family or a child arrives at one
-- window, the inbox of the КДН (organisation_id) of the family's
-- municipality (territory_id). The reporter's organisation
-- (reporter_org_id) sees only what became of it. due_at is received_at
-- plus the region's deadline for its urgency (signal_deadlines).
-- search_key holds the folded surname, address and children's names
-- (NameKey), for the match on earlier signals.
CREATE TABLE signals (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations(id),
    territory_id     INTEGER NOT NULL REFERENCES territories(id),
    reporter_kind    TEXT NOT NULL CHECK (reporter_kind IN ('agency', 'person', 'anonymous')),
    reporter_org_id  INTEGER REFERENCES organisations(id),
    reporter_user_id INTEGER REFERENCES users(id),
    reporter_name    TEXT NOT NULL DEFAULT '',
    reporter_contact TEXT NOT NULL DEFAULT '',
    received_at      TIMESTAMP NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('letter', 'phone', 'in_person', 'system')),
    description      TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    surname          TEXT NOT NULL DEFAULT '',
    urgency          TEXT NOT NULL CHECK (urgency IN ('immediate', 'ordinary')),
    due_at           TIMESTAMP NOT NULL,
    status           TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'closed')),
    family_id        INTEGER REFERENCES families(id),
    routed_org_id    INTEGER REFERENCES organisations(id),
    close_reason     TEXT NOT NULL DEFAULT '' CHECK (close_reason IN ('', 'not_confirmed', 'duplicate', 'not_competent')),
    duplicate_of     INTEGER REFERENCES signals(id),
    forwarded_to     TEXT NOT NULL DEFAULT '',
    triaged_by       INTEGER REFERENCES users(id),
    triaged_at       TIMESTAMP,
    search_key       TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       INTEGER REFERENCES users(id),
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX signals_inbox ON signals(organisation_id, status, due_at);
CREATE INDEX signals_reporter ON signals(reporter_org_id, id);
CREATE INDEX signals_family ON signals(family_id);

-- The children a signal names; they become members when a family is
-- created from the signal.
CREATE TABLE signal_children (
    id         INTEGER PRIMARY KEY,
    signal_id  INTEGER NOT NULL REFERENCES signals(id),
    name       TEXT NOT NULL,
    birth_date DATE
);
CREATE INDEX signal_children_signal ON signal_children(signal_id, id);
CREATE INDEX signal_children_birth ON signal_children(birth_date);

-- The region's deadlines for triage (hours), set by the network
-- administrator; a region without a row has the defaults (24 and 1).
CREATE TABLE signal_deadlines (
    territory_id    INTEGER PRIMARY KEY REFERENCES territories(id),
    ordinary_hours  INTEGER NOT NULL,
    immediate_hours INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE signal_deadlines;
DROP TABLE signal_children;
DROP TABLE signals;
