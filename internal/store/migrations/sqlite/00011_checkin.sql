-- +goose Up
-- Quick check-in at humanitarian points (issue 6): points of a branch, the
-- items each gives out, dated shifts, people recorded with minimal data and
-- one row per visit or item given.
CREATE TABLE checkin_points (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL REFERENCES branches(id),
    kind            TEXT NOT NULL CHECK (kind IN ('warming', 'night_bus', 'shelter', 'food')),
    name            TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX checkin_points_org ON checkin_points(organisation_id, branch_id);

CREATE TABLE checkin_items (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    point_id        INTEGER NOT NULL REFERENCES checkin_points(id),
    name            TEXT NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX checkin_items_point ON checkin_items(point_id, position);

CREATE TABLE checkin_shifts (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL REFERENCES branches(id),
    point_id        INTEGER NOT NULL REFERENCES checkin_points(id),
    shift_date      DATE NOT NULL,
    starts          TEXT NOT NULL,
    ends            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by       INTEGER REFERENCES users(id),
    opened_at       TIMESTAMP NOT NULL,
    closed_by       INTEGER REFERENCES users(id),
    closed_at       TIMESTAMP
);
CREATE INDEX checkin_shifts_point ON checkin_shifts(point_id, shift_date);
CREATE INDEX checkin_shifts_org ON checkin_shifts(organisation_id, shift_date);

-- People met at the door without a full profile. uid is made on the phone
-- for people added offline, so a replayed queue finds the same row.
-- client_id links the person to a full client record; merged_into points
-- to the person who replaced a duplicate.
CREATE TABLE checkin_persons (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL REFERENCES branches(id),
    uid             TEXT,
    surname         TEXT NOT NULL,
    first_name      TEXT NOT NULL DEFAULT '',
    birth_year      INTEGER,
    age_given       BOOLEAN NOT NULL DEFAULT FALSE,
    gender          TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'male', 'female')),
    search_key      TEXT NOT NULL DEFAULT '',
    client_id       INTEGER REFERENCES clients(id),
    merged_into     INTEGER REFERENCES checkin_persons(id),
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX checkin_persons_uid ON checkin_persons(uid);
-- One live person row per client: linking a second one merges it.
CREATE UNIQUE INDEX checkin_persons_client ON checkin_persons(client_id) WHERE merged_into IS NULL;
CREATE INDEX checkin_persons_search ON checkin_persons(organisation_id, search_key);

-- One row per visit ("came", item_id 0) or item given at a shift; counted
-- by reports as humanitarian services. visited_on is the shift's date,
-- never the phone's clock (device_at keeps that only as information).
-- tick_id is made on the phone: a replay never inserts twice, and the same
-- person ticked for the same item at one shift counts once.
CREATE TABLE checkin_visits (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL REFERENCES branches(id),
    point_id        INTEGER NOT NULL REFERENCES checkin_points(id),
    shift_id        INTEGER NOT NULL REFERENCES checkin_shifts(id),
    person_id       INTEGER NOT NULL REFERENCES checkin_persons(id),
    client_id       INTEGER REFERENCES clients(id),
    item_id         INTEGER NOT NULL DEFAULT 0,
    visited_on      DATE NOT NULL,
    tick_id         TEXT NOT NULL UNIQUE,
    device_at       TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX checkin_visits_once ON checkin_visits(shift_id, person_id, item_id);
CREATE INDEX checkin_visits_person ON checkin_visits(person_id);
CREATE INDEX checkin_visits_client ON checkin_visits(client_id);
CREATE INDEX checkin_visits_org_day ON checkin_visits(organisation_id, visited_on);
CREATE INDEX checkin_visits_point ON checkin_visits(point_id, visited_on);

-- +goose Down
DROP TABLE checkin_visits;
DROP TABLE checkin_persons;
DROP TABLE checkin_shifts;
DROP TABLE checkin_items;
DROP TABLE checkin_points;
