-- +goose Up
-- Shelter: rooms (or beds) of a branch with a number of places, the stays of
-- clients in them, and the medical checks residents need (health data).
CREATE TABLE shelter_rooms (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL REFERENCES branches(id),
    name            TEXT NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    comment         TEXT NOT NULL DEFAULT '',
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX shelter_rooms_org ON shelter_rooms(organisation_id, branch_id);

-- A client has at most one open (living) stay.
CREATE TABLE shelter_stays (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    room_id         INTEGER NOT NULL REFERENCES shelter_rooms(id),
    check_in        DATE NOT NULL,
    check_out       DATE,
    status          TEXT NOT NULL DEFAULT 'living' CHECK (status IN ('living', 'left', 'evicted')),
    reason          TEXT NOT NULL DEFAULT '',
    comment         TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX shelter_stays_client ON shelter_stays(client_id, check_in);
CREATE INDEX shelter_stays_room ON shelter_stays(room_id, status);
CREATE UNIQUE INDEX shelter_stays_one_open ON shelter_stays(client_id) WHERE status = 'living';

CREATE TABLE shelter_medical_checks (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    check_type      TEXT NOT NULL,
    done_on         DATE NOT NULL,
    next_due        DATE NOT NULL,
    comment         TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    deleted_by      INTEGER REFERENCES users(id)
);
CREATE INDEX shelter_medical_client ON shelter_medical_checks(client_id, check_type, done_on);

-- +goose Down
DROP TABLE shelter_medical_checks;
DROP TABLE shelter_stays;
DROP TABLE shelter_rooms;
