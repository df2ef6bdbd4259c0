-- +goose Up
-- answers_field_client: one field's answers by form filling (NULL: the main
-- questionnaire) and client, with the option. The dashboard and the builder group new clients by a
-- choice field (homelessness reasons); through answers_client every one of
-- a year's 200,000 new clients cost a row fetched from the answers table,
-- scattered over 20M rows (3.5 s on SQLite, 7 s on PostgreSQL at 1M
-- clients). With this index the lookups stay inside one field's part of it
-- and never touch the table.
CREATE INDEX answers_field_client ON answers(field_id, filling_id, client_id, option_id);

-- services_client_date also holds the branch and the deletion, so checking
-- whether a client received services in a cut month of a period ("clients
-- who received services") reads the index alone.
DROP INDEX IF EXISTS services_client_date;
CREATE INDEX services_client_date ON services(client_id, rendered_on, branch_id, deleted_at);

-- +goose Down
DROP INDEX services_client_date;
CREATE INDEX services_client_date ON services(client_id, rendered_on);
DROP INDEX answers_field_client;
