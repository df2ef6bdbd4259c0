-- +goose Up
-- Each client's first and last day with services, per branch the services
-- were rendered in (branch 0: in all branches together), with the client's
-- gender, birth year (0 = not known) and housing status. "Clients who
-- received services" over long periods, grouped by those attributes (the
-- builder's distinct clients by branch × gender over five years), count
-- one row per client: a client whose range lies inside the period counts,
-- one whose range misses it does not, and only ranges that straddle an end
-- of the period look up the client's services. The store rewrites a
-- client's rows in the transaction of every service write (with
-- active_client_months) and their attributes when the client changes;
-- Migrate fills the table for databases that had services before.
CREATE TABLE client_service_ranges (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    branch_id       INTEGER NOT NULL,
    client_id       INTEGER NOT NULL,
    first_day       DATE NOT NULL,
    last_day        DATE NOT NULL,
    gender          TEXT NOT NULL,
    birth_year      INTEGER NOT NULL,
    homeless_status TEXT NOT NULL,
    PRIMARY KEY (organisation_id, branch_id, client_id)
) WITHOUT ROWID;
CREATE INDEX client_service_ranges_client ON client_service_ranges(client_id);

-- +goose Down
DROP TABLE client_service_ranges;
