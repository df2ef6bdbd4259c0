-- +goose Up
-- Cases opened and closed in a period, organisation-wide (the dashboard,
-- the builder), are counted from these indexes alone: they replace
-- cases_org_opened and cases_org_closed (their first two columns) and hold
-- what such a report reads without the client (kind of subject, status,
-- outcome, type, curator). A year of a region's cases (40,000) read one
-- table page per case before (0.2 s on PostgreSQL).
DROP INDEX IF EXISTS cases_org_opened;
DROP INDEX IF EXISTS cases_org_closed;
CREATE INDEX cases_opened_report ON cases(organisation_id, opened_on, subject_type, status, outcome, type_id, curator_id);
CREATE INDEX cases_closed_report ON cases(organisation_id, closed_on, subject_type, status, outcome, type_id, curator_id);

-- +goose Down
DROP INDEX cases_closed_report;
DROP INDEX cases_opened_report;
CREATE INDEX cases_org_opened ON cases(organisation_id, opened_on);
CREATE INDEX cases_org_closed ON cases(organisation_id, closed_on);
