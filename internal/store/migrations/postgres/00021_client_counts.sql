-- +goose Up
-- New clients counted per organisation, month of registration (the
-- server's local month), branch, gender, birth year (0 = not known) and
-- housing status, and, per choice field of the main questionnaire, the
-- clients who chose each option (option 0: answered the field at all). The
-- store moves them in the transaction of every write that changes what
-- they count (client create, edit, delete, restore, merge, questionnaire
-- save, bulk load) and fills them at Migrate for older databases. Reports
-- of new clients organisation-wide read the months a period covers whole
-- from here and only the cut months at its ends from clients: a year of a
-- region's new clients (200,000) is about 15,000 rows here.
CREATE TABLE client_counts (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    month           DATE NOT NULL,
    branch_id       BIGINT NOT NULL,
    gender          TEXT NOT NULL,
    birth_year      INTEGER NOT NULL,
    homeless_status TEXT NOT NULL,
    clients         BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, month, branch_id, gender, birth_year, homeless_status) INCLUDE (clients)
);
CREATE TABLE client_answer_counts (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    field_id        BIGINT NOT NULL,
    month           DATE NOT NULL,
    branch_id       BIGINT NOT NULL,
    option_id       BIGINT NOT NULL,
    clients         BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, field_id, month, branch_id, option_id) INCLUDE (clients)
);

-- +goose Down
DROP TABLE client_answer_counts;
DROP TABLE client_counts;
