-- +goose Up
-- The families' milestones (issue 21 item 8, monitoring): per family the
-- first signal's time and its triage, the first curator's assignment, the
-- first plan task and the first task done — what the monitoring's steps
-- read instead of four lookups a family. A derived table under
-- ENGINEERING.md's rule (a row only while the family has a source row):
-- kept by the triggers below on every write to
-- signals, family_curators and case_tasks (any path, merges included),
-- recounted from the sources after every store test (store.DerivedDrift),
-- and refreshed by the bulk loader for its families (the loader may run
-- without triggers on PostgreSQL).
CREATE TABLE family_milestones (
    family_id  BIGINT PRIMARY KEY,
    signal_at  TIMESTAMPTZ,
    triaged_at TIMESTAMPTZ,
    curator_at TIMESTAMPTZ,
    task_at    TIMESTAMPTZ,
    done_on    DATE
);
CREATE INDEX family_milestones_signal ON family_milestones(signal_at, family_id, triaged_at, curator_at, task_at, done_on);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION family_milestones_refresh(fid BIGINT) RETURNS void AS $$
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT fid, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = fid AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = fid),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = fid),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = fid AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = fid) m
    WHERE fid IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = fid AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION family_milestones_keep() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.family_id IS NOT NULL THEN
            PERFORM family_milestones_refresh(OLD.family_id);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.family_id IS NOT NULL THEN
            PERFORM family_milestones_refresh(NEW.family_id);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER signals_milestones AFTER INSERT OR DELETE OR UPDATE OF family_id, received_at, triaged_at ON signals
    FOR EACH ROW EXECUTE FUNCTION family_milestones_keep();

CREATE TRIGGER family_curators_milestones AFTER INSERT OR DELETE OR UPDATE OF family_id, assigned_at ON family_curators
    FOR EACH ROW EXECUTE FUNCTION family_milestones_keep();

CREATE TRIGGER case_tasks_milestones AFTER INSERT OR DELETE OR UPDATE OF family_id, created_at, status, done_on ON case_tasks
    FOR EACH ROW EXECUTE FUNCTION family_milestones_keep();

-- Every family with a source row gets its milestones.
INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
SELECT x.family_id, m.received_at,
    (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = x.family_id AND st.received_at = m.received_at),
    (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = x.family_id),
    (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = x.family_id),
    (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = x.family_id AND t.status = 'done')
FROM (SELECT family_id FROM signals WHERE family_id IS NOT NULL UNION SELECT family_id FROM family_curators
      UNION SELECT family_id FROM case_tasks WHERE family_id IS NOT NULL) x
LEFT JOIN (SELECT family_id, MIN(received_at) AS received_at FROM signals WHERE family_id IS NOT NULL GROUP BY family_id) m
    ON m.family_id = x.family_id;

-- +goose Down
DROP TRIGGER signals_milestones ON signals;
DROP TRIGGER family_curators_milestones ON family_curators;
DROP TRIGGER case_tasks_milestones ON case_tasks;
DROP FUNCTION family_milestones_keep();
DROP FUNCTION family_milestones_refresh(BIGINT);
DROP TABLE family_milestones;
