-- +goose Up
-- Need-to-know access to family cards (issue 21, item 6): which sections of
-- the card each agency type reads (family_section_rules, edited by the
-- network administrator at /admin/family-sections; no row = the section is
-- closed to that type), and for how many days after an agency's last task
-- on a family closed the agency still reads it (family_access_settings,
-- one row). The КДН, the curator's organisation and the card's holder read
-- the whole card whatever the table says. Two new sections of the card
-- get their own fields: offence-related (the police's) and health.
CREATE TABLE family_section_rules (
    org_type TEXT NOT NULL,
    section  TEXT NOT NULL,
    PRIMARY KEY (org_type, section)
);
INSERT INTO family_section_rules (org_type, section) VALUES
    ('kdn', 'members'),
    ('kdn', 'address'),
    ('kdn', 'income'),
    ('kdn', 'signals'),
    ('kdn', 'assessments'),
    ('kdn', 'plan'),
    ('kdn', 'visits'),
    ('kdn', 'history'),
    ('kdn', 'offences'),
    ('kdn', 'health'),
    ('social_service', 'members'),
    ('social_service', 'address'),
    ('social_service', 'income'),
    ('social_service', 'signals'),
    ('social_service', 'assessments'),
    ('social_service', 'plan'),
    ('social_service', 'visits'),
    ('social_service', 'history'),
    ('social_service', 'offences'),
    ('social_service', 'health'),
    ('social_protection', 'members'),
    ('social_protection', 'address'),
    ('social_protection', 'income'),
    ('social_protection', 'plan'),
    ('guardianship', 'members'),
    ('guardianship', 'address'),
    ('guardianship', 'signals'),
    ('guardianship', 'assessments'),
    ('guardianship', 'plan'),
    ('guardianship', 'visits'),
    ('education_authority', 'members'),
    ('education_authority', 'plan'),
    ('school', 'members'),
    ('school', 'plan'),
    ('kindergarten', 'members'),
    ('kindergarten', 'plan'),
    ('health', 'members'),
    ('health', 'plan'),
    ('health', 'health'),
    ('employment', 'members'),
    ('employment', 'income'),
    ('employment', 'plan'),
    ('police', 'members'),
    ('police', 'address'),
    ('police', 'plan'),
    ('police', 'offences'),
    ('youth', 'members'),
    ('youth', 'plan'),
    ('probation', 'members'),
    ('probation', 'plan'),
    ('probation', 'offences');
CREATE TABLE family_access_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    task_access_days INTEGER NOT NULL DEFAULT 30 CHECK (task_access_days >= 0),
    updated_by       BIGINT REFERENCES users(id),
    updated_at       TIMESTAMPTZ
);
INSERT INTO family_access_settings (id, task_access_days) VALUES (1, 30);
ALTER TABLE families ADD COLUMN offences TEXT NOT NULL DEFAULT '';
ALTER TABLE families ADD COLUMN health TEXT NOT NULL DEFAULT '';
-- The agency's tasks on a family, for the access check and the expiry of grants.
CREATE INDEX case_tasks_family_org ON case_tasks(responsible_org_id, family_id);

-- +goose Down
DROP INDEX case_tasks_family_org;
ALTER TABLE families DROP COLUMN health;
ALTER TABLE families DROP COLUMN offences;
DROP TABLE family_access_settings;
DROP TABLE family_section_rules;
