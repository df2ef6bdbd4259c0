-- +goose Up
-- The register of persons' requests about their personal data (152-ФЗ
-- art. 14, 20; issue 22 item 4): when it came, what was asked, the
-- deadline (ten working days) and the answer. client_id links the person
-- once found; client_name keeps who asked when they are not a client.
CREATE TABLE subject_requests (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER REFERENCES clients(id),
    requester       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('access', 'correction', 'withdrawal', 'destruction')),
    received_on     DATE NOT NULL,
    due_on          DATE NOT NULL,
    details         TEXT NOT NULL DEFAULT '',
    answered_on     DATE,
    answer          TEXT NOT NULL DEFAULT '',
    answered_by     INTEGER REFERENCES users(id),
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX subject_requests_open ON subject_requests(organisation_id, answered_on, due_on);
CREATE INDEX subject_requests_client ON subject_requests(client_id);

-- Who answers them and makes the person's report: administrators.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'privacy.manage' FROM roles WHERE key = 'administrator'
    AND id NOT IN (SELECT role_id FROM role_permissions WHERE permission = 'privacy.manage');

-- +goose Down
DELETE FROM role_permissions WHERE permission = 'privacy.manage';
DROP TABLE subject_requests;
