-- +goose Up
-- Services rendered: the organisation's catalog of service types and the
-- records of services given to clients. Amounts are integer kopecks.
ALTER TABLE organisations ADD COLUMN backdate_days INTEGER NOT NULL DEFAULT 7;

CREATE TABLE service_types (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations(id),
    name             TEXT NOT NULL,
    group_name       TEXT NOT NULL DEFAULT '',
    has_quantity     BOOLEAN NOT NULL DEFAULT FALSE,
    has_amount       BOOLEAN NOT NULL DEFAULT FALSE,
    comment_required BOOLEAN NOT NULL DEFAULT FALSE,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    position         INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX service_types_name ON service_types(organisation_id, name);
CREATE INDEX service_types_position ON service_types(organisation_id, position);

CREATE TABLE services (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL REFERENCES branches(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    type_id         INTEGER NOT NULL REFERENCES service_types(id),
    rendered_on     DATE NOT NULL,
    quantity        INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    amount_kopecks  BIGINT CHECK (amount_kopecks IS NULL OR amount_kopecks >= 0),
    comment         TEXT NOT NULL DEFAULT '',
    worker_id       INTEGER NOT NULL REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    deleted_by      INTEGER REFERENCES users(id),
    delete_reason   TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX services_org_date ON services(organisation_id, rendered_on);
CREATE INDEX services_client_date ON services(client_id, rendered_on);
CREATE INDEX services_type_date ON services(type_id, rendered_on);
CREATE INDEX services_worker_date ON services(worker_id, rendered_on);

-- +goose Down
DROP TABLE services;
DROP TABLE service_types;
ALTER TABLE organisations DROP COLUMN backdate_days;
