-- +goose Up
-- Check-in visits counted per organisation, day, point, item, branch and
-- the worker who ticked (0 = not known), kept by the store in the
-- transaction of every write of visits (tick, the removal of a merged
-- person's duplicate visits, bulk load). Counts of visits by period,
-- point, item, branch and worker read these rows instead of the visits:
-- five years of a region's visits (2.5M) are about 30,000 rows here.
CREATE TABLE visit_counts (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    day             DATE NOT NULL,
    point_id        INTEGER NOT NULL,
    item_id         INTEGER NOT NULL,
    branch_id       INTEGER NOT NULL,
    created_by      INTEGER NOT NULL,
    visits          BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, day, point_id, item_id, branch_id, created_by)
) WITHOUT ROWID;
INSERT INTO visit_counts (organisation_id, day, point_id, item_id, branch_id, created_by, visits)
    SELECT organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0), COUNT(*)
    FROM checkin_visits GROUP BY organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0);

-- +goose Down
DROP TABLE visit_counts;
