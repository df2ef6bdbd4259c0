-- +goose Up
-- The resource map per municipality (issue 21, item 7): who provides what
-- where, in the shape of Open Referral HSDS 3.0 (docs/RESOURCES.md maps each
-- table to its HSDS object). Table and column names are HSDS's (with the
-- resource_ prefix on tables), so an export writes HSDS JSON directly; uuid
-- is the HSDS id of each row, id the internal key the rows join on. A
-- resource belongs to the whole network (one installation), not to one
-- organisation; network_organisation_id links an HSDS organization to the
-- network's own organisation when it is one. Opora's own additions are
-- marked below (capacity, free places, territory_id, search keys, version).
CREATE TABLE resource_taxonomy_terms (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id   INTEGER REFERENCES resource_taxonomy_terms(id),
    taxonomy    TEXT NOT NULL DEFAULT 'opora-needs',
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE resource_organizations (
    id                      INTEGER PRIMARY KEY,
    uuid                    TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    alternate_name          TEXT NOT NULL DEFAULT '',
    description             TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    website                 TEXT NOT NULL DEFAULT '',
    tax_id                  TEXT NOT NULL DEFAULT '',
    legal_status            TEXT NOT NULL DEFAULT '',
    network_organisation_id INTEGER REFERENCES organisations(id), -- Opora: the network's organisation, if it is one
    search_key              TEXT NOT NULL DEFAULT '',            -- Opora: NameKey of the names
    version                 INTEGER NOT NULL DEFAULT 1,
    created_by              INTEGER REFERENCES users(id),
    created_at              TIMESTAMP NOT NULL,
    updated_by              INTEGER REFERENCES users(id),
    updated_at              TIMESTAMP NOT NULL
);

CREATE TABLE resource_locations (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    organization_id INTEGER NOT NULL REFERENCES resource_organizations(id),
    location_type   TEXT NOT NULL DEFAULT 'physical' CHECK (location_type IN ('physical', 'postal', 'virtual')),
    url             TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    alternate_name  TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    transportation  TEXT NOT NULL DEFAULT '',
    latitude        REAL,
    longitude       REAL,
    territory_id    INTEGER REFERENCES territories(id),            -- Opora: the municipality (or district)
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX resource_locations_org ON resource_locations(organization_id);
CREATE INDEX resource_locations_territory ON resource_locations(territory_id);

-- One physical address per location (HSDS allows several).
CREATE TABLE resource_addresses (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    location_id    INTEGER NOT NULL UNIQUE REFERENCES resource_locations(id),
    attention      TEXT NOT NULL DEFAULT '',
    address_1      TEXT NOT NULL DEFAULT '',
    address_2      TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    state_province TEXT NOT NULL DEFAULT '',
    postal_code    TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT 'RU',
    address_type   TEXT NOT NULL DEFAULT 'physical' CHECK (address_type IN ('physical', 'postal', 'virtual'))
);

CREATE TABLE resource_services (
    id                      INTEGER PRIMARY KEY,
    uuid                    TEXT NOT NULL UNIQUE,
    organization_id         INTEGER NOT NULL REFERENCES resource_organizations(id),
    name                    TEXT NOT NULL,
    alternate_name          TEXT NOT NULL DEFAULT '',
    description             TEXT NOT NULL DEFAULT '',
    url                     TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    status                  TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'inactive', 'defunct', 'temporarily closed')),
    application_process     TEXT NOT NULL DEFAULT '',
    fees_description        TEXT NOT NULL DEFAULT '',
    eligibility_description TEXT NOT NULL DEFAULT '',
    minimum_age             INTEGER,
    maximum_age             INTEGER,
    alert                   TEXT NOT NULL DEFAULT '',
    capacity                INTEGER,                  -- Opora: places in all
    free_places             INTEGER,                  -- Opora: free places now ("свободных мест: 3")
    capacity_note           TEXT NOT NULL DEFAULT '', -- Opora: a word on the places (waiting list, from when)
    capacity_updated_at     TIMESTAMP,                  -- Opora: when the places were last said
    last_modified           TIMESTAMP NOT NULL,
    search_key              TEXT NOT NULL DEFAULT '', -- Opora: NameKey of the texts
    version                 INTEGER NOT NULL DEFAULT 1,
    created_by              INTEGER REFERENCES users(id),
    created_at              TIMESTAMP NOT NULL,
    updated_by              INTEGER REFERENCES users(id)
);
CREATE INDEX resource_services_org ON resource_services(organization_id);

CREATE TABLE resource_service_at_location (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    service_id  INTEGER NOT NULL REFERENCES resource_services(id),
    location_id INTEGER NOT NULL REFERENCES resource_locations(id),
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (service_id, location_id)
);
CREATE INDEX resource_service_at_location_location ON resource_service_at_location(location_id);

-- Opening hours as HSDS recurrence rows: freq WEEKLY, byday "MO,TU,WE",
-- opens_at/closes_at "08:00".
CREATE TABLE resource_schedules (
    id                     INTEGER PRIMARY KEY,
    uuid                   TEXT NOT NULL UNIQUE,
    service_id             INTEGER REFERENCES resource_services(id),
    location_id            INTEGER REFERENCES resource_locations(id),
    service_at_location_id INTEGER REFERENCES resource_service_at_location(id),
    valid_from             DATE,
    valid_to               DATE,
    freq                   TEXT NOT NULL DEFAULT 'WEEKLY' CHECK (freq IN ('WEEKLY', 'MONTHLY')),
    wkst                   TEXT NOT NULL DEFAULT 'MO',
    byday                  TEXT NOT NULL DEFAULT '',
    opens_at               TEXT NOT NULL DEFAULT '',
    closes_at              TEXT NOT NULL DEFAULT '',
    description            TEXT NOT NULL DEFAULT '',
    notes                  TEXT NOT NULL DEFAULT '',
    position               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX resource_schedules_sal ON resource_schedules(service_at_location_id);
CREATE INDEX resource_schedules_service ON resource_schedules(service_id);

CREATE TABLE resource_contacts (
    id                     INTEGER PRIMARY KEY,
    uuid                   TEXT NOT NULL UNIQUE,
    organization_id        INTEGER REFERENCES resource_organizations(id),
    service_id             INTEGER REFERENCES resource_services(id),
    service_at_location_id INTEGER REFERENCES resource_service_at_location(id),
    location_id            INTEGER REFERENCES resource_locations(id),
    name                   TEXT NOT NULL DEFAULT '',
    title                  TEXT NOT NULL DEFAULT '',
    department             TEXT NOT NULL DEFAULT '',
    email                  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX resource_contacts_service ON resource_contacts(service_id);

CREATE TABLE resource_phones (
    id                     INTEGER PRIMARY KEY,
    uuid                   TEXT NOT NULL UNIQUE,
    organization_id        INTEGER REFERENCES resource_organizations(id),
    service_id             INTEGER REFERENCES resource_services(id),
    location_id            INTEGER REFERENCES resource_locations(id),
    contact_id             INTEGER REFERENCES resource_contacts(id),
    service_at_location_id INTEGER REFERENCES resource_service_at_location(id),
    number                 TEXT NOT NULL,
    extension              INTEGER,
    type                   TEXT NOT NULL DEFAULT 'voice',
    description            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX resource_phones_org ON resource_phones(organization_id);
CREATE INDEX resource_phones_service ON resource_phones(service_id);
CREATE INDEX resource_phones_location ON resource_phones(location_id);

-- HSDS links a taxonomy term to a service through an attribute; link_id is
-- the internal id of the linked row (the export writes its uuid).
CREATE TABLE resource_attributes (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT NOT NULL UNIQUE,
    link_entity      TEXT NOT NULL CHECK (link_entity IN ('service')),
    link_id          INTEGER NOT NULL,
    taxonomy_term_id INTEGER NOT NULL REFERENCES resource_taxonomy_terms(id),
    value            TEXT NOT NULL DEFAULT '',
    UNIQUE (link_entity, link_id, taxonomy_term_id)
);
CREATE INDEX resource_attributes_term ON resource_attributes(taxonomy_term_id, link_entity, link_id);

-- A family's task may point to the resource it uses ("детский сад № 12").
ALTER TABLE case_tasks ADD COLUMN resource_service_id INTEGER REFERENCES resource_services(id);

-- Who edits the map: the КДН secretary and the network administrator.
INSERT INTO role_permissions (role_id, permission)
    SELECT r.id, 'resources.manage' FROM roles r WHERE r.key IN ('kdn_secretary', 'network_admin')
    AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = r.id AND p.permission = 'resources.manage');

-- The needs a resource answers (HSDS taxonomy_term; the region edits them later).
INSERT INTO resource_taxonomy_terms (uuid, code, name, description, position) VALUES
    ('4cd7e977-82d2-483c-835b-9144d8173c87', 'kindergarten', 'Детский сад', 'Место в детском саду, группа кратковременного пребывания', 1),
    ('f30bdb7c-b458-4807-b555-767200dc19a6', 'school', 'Школа и обучение', 'Школа, подготовка к школе, репетитор', 2),
    ('3f340f2d-232b-4edc-a92e-3c97e8c9762c', 'after_school', 'Досуг и кружки', 'Кружки, секции, группы продлённого дня', 3),
    ('0c634ddb-bdcb-4d17-8ac0-302bb6522663', 'psychologist', 'Психологическая помощь', 'Консультации психолога, семейная терапия', 4),
    ('59a8bf24-b23d-4c01-9d7f-46ffb9a675c3', 'parenting', 'Школа родителей', 'Занятия для родителей, помощь в воспитании', 5),
    ('8d9ecc3f-4461-496d-a6ae-4bfb14ae0c41', 'food', 'Продукты и питание', 'Продуктовые наборы, горячее питание', 6),
    ('4d5f840c-605b-4223-8f05-1396e8332e25', 'clothes', 'Одежда и вещи', 'Одежда, обувь, вещи для детей', 7),
    ('b0c08d66-95a5-4358-aec3-f56cb2b34ffb', 'shelter', 'Кризисное жильё', 'Временное проживание, кризисный центр', 8),
    ('4bc86c98-41c5-45fc-ba6f-86d69317c3e8', 'employment', 'Работа и переобучение', 'Вакансии, профессиональное обучение', 9),
    ('1082f13b-88dc-4ca5-8e9b-96a2c069e42e', 'health', 'Здоровье', 'Обследование, лечение, медицинская помощь', 10),
    ('3f2b52bd-68dc-470e-83eb-994c9c9606d0', 'addiction', 'Помощь при зависимости', 'Наркологическая помощь, группы поддержки', 11),
    ('30e846c5-4c31-4031-8025-17c9cc09621f', 'benefits', 'Пособия и льготы', 'Оформление пособий, материальная помощь', 12),
    ('0d819ff8-84ba-4d0d-968a-7b97d97af6f2', 'legal', 'Юридическая помощь', 'Консультации юриста, документы', 13),
    ('dbca1b70-dfec-4ab1-bfd0-5be04e44748f', 'home_help', 'Помощь на дому', 'Социальные услуги на дому', 14);

-- +goose Down
DELETE FROM role_permissions WHERE permission = 'resources.manage';
ALTER TABLE case_tasks DROP COLUMN resource_service_id;
DROP TABLE resource_attributes;
DROP TABLE resource_phones;
DROP TABLE resource_contacts;
DROP TABLE resource_schedules;
DROP TABLE resource_service_at_location;
DROP TABLE resource_services;
DROP TABLE resource_addresses;
DROP TABLE resource_locations;
DROP TABLE resource_organizations;
DROP TABLE resource_taxonomy_terms;
