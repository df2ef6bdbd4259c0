-- +goose Up
-- Council decisions entered offline (issue 21 item 2): the secretary's
-- laptop queues each decision under a UUID made on the device and sends the
-- queue when the network is back. One row per decision received: applied
-- (it went through), held (it no longer applied as entered — the task
-- changed meanwhile, the plan was already approved — and waits for the
-- secretary on the meeting page), or cancelled (the secretary dropped it).
-- client_uuid is unique so that a batch sent again creates nothing twice.
CREATE TABLE council_entries (
    id          INTEGER PRIMARY KEY,
    client_uuid TEXT NOT NULL UNIQUE,
    meeting_id  INTEGER NOT NULL REFERENCES council_meetings(id),
    family_id   INTEGER NOT NULL REFERENCES families(id),
    kind        TEXT NOT NULL CHECK (kind IN ('approve_plan', 'reassign', 'status', 'review', 'close')),
    payload     TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL CHECK (state IN ('applied', 'held', 'cancelled')),
    reason      TEXT NOT NULL DEFAULT '',
    entered_at  TIMESTAMP,
    created_by  INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    resolved_by INTEGER REFERENCES users(id),
    resolved_at TIMESTAMP
);
CREATE INDEX council_entries_meeting ON council_entries(meeting_id, state);

-- +goose Down
DROP TABLE council_entries;
