-- +goose Up
-- Reports leave out a deleted client's services, as "new clients" leaves
-- out the client. The tables derived from services count only live
-- clients' services (the store takes a client's services out when it is
-- deleted and puts them back when it is restored); this takes out those
-- of the clients deleted before. Reports that read services without the
-- client look the deleted ones up through clients_deleted.
CREATE INDEX clients_deleted ON clients(organisation_id, id) WHERE deleted_at IS NOT NULL;
-- New clients by age band come from client_counts, which keep the birth
-- year; the clients whose birthday, known to the day, comes after the
-- period's last day are put right from clients (countedClients): the
-- cohorts at a band's first year, in the period, from this index alone.
CREATE INDEX clients_birthdays ON clients(organisation_id, birth_year, created_at, birth_date, branch_id, gender,
    homeless_status, deleted_at, merged_into) WHERE birth_date IS NOT NULL;
DELETE FROM active_client_months WHERE client_id IN (SELECT id FROM clients WHERE deleted_at IS NOT NULL);
DELETE FROM client_service_ranges WHERE client_id IN (SELECT id FROM clients WHERE deleted_at IS NOT NULL);
UPDATE service_counts SET services = service_counts.services - d.n, amount_kopecks = service_counts.amount_kopecks - d.amount
FROM (SELECT s.organisation_id, s.rendered_on, s.branch_id, s.type_id, s.worker_id, COUNT(*) AS n,
        COALESCE(SUM(s.amount_kopecks), 0) AS amount
    FROM services s JOIN clients c ON c.id = s.client_id WHERE c.deleted_at IS NOT NULL AND s.deleted_at IS NULL
    GROUP BY s.organisation_id, s.rendered_on, s.branch_id, s.type_id, s.worker_id) d
WHERE service_counts.organisation_id = d.organisation_id AND service_counts.day = d.rendered_on
    AND service_counts.branch_id = d.branch_id AND service_counts.type_id = d.type_id AND service_counts.worker_id = d.worker_id;
UPDATE service_type_counts SET services = service_type_counts.services - d.n,
    amount_kopecks = service_type_counts.amount_kopecks - d.amount
FROM (SELECT s.organisation_id, s.rendered_on, s.branch_id, s.type_id, COUNT(*) AS n, COALESCE(SUM(s.amount_kopecks), 0) AS amount
    FROM services s JOIN clients c ON c.id = s.client_id WHERE c.deleted_at IS NOT NULL AND s.deleted_at IS NULL
    GROUP BY s.organisation_id, s.rendered_on, s.branch_id, s.type_id) d
WHERE service_type_counts.organisation_id = d.organisation_id AND service_type_counts.day = d.rendered_on
    AND service_type_counts.branch_id = d.branch_id AND service_type_counts.type_id = d.type_id;
-- The ranges keep the birth date's month and day (MMDD, 0 when the date
-- is not known to the day), so that ages on a period's last day count
-- whether the birthday has come.
ALTER TABLE client_service_ranges ADD COLUMN birth_md INTEGER NOT NULL DEFAULT 0;
UPDATE client_service_ranges SET birth_md = (SELECT CAST(to_char(c.birth_date, 'MMDD') AS INTEGER) FROM clients c
    WHERE c.id = client_service_ranges.client_id)
WHERE client_id IN (SELECT id FROM clients WHERE birth_date IS NOT NULL);
DELETE FROM service_counts WHERE services = 0;
DELETE FROM service_type_counts WHERE services = 0;

-- +goose Down
ALTER TABLE client_service_ranges DROP COLUMN birth_md;
DROP INDEX clients_birthdays;
DROP INDEX clients_deleted;
