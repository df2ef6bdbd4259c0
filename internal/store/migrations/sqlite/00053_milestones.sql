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
    family_id  INTEGER PRIMARY KEY,
    signal_at  TIMESTAMP,
    triaged_at TIMESTAMP,
    curator_at TIMESTAMP,
    task_at    TIMESTAMP,
    done_on    DATE
);
CREATE INDEX family_milestones_signal ON family_milestones(signal_at, family_id, triaged_at, curator_at, task_at, done_on);

-- +goose StatementBegin
CREATE TRIGGER signals_milestones_insert AFTER INSERT ON signals
WHEN NEW.family_id IS NOT NULL
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT NEW.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = NEW.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = NEW.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = NEW.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = NEW.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = NEW.family_id) m
    WHERE NEW.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = NEW.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER signals_milestones_update AFTER UPDATE OF family_id, received_at, triaged_at ON signals
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT OLD.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = OLD.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = OLD.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = OLD.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = OLD.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = OLD.family_id) m
    WHERE OLD.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = OLD.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT NEW.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = NEW.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = NEW.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = NEW.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = NEW.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = NEW.family_id) m
    WHERE NEW.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = NEW.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER signals_milestones_delete AFTER DELETE ON signals
WHEN OLD.family_id IS NOT NULL
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT OLD.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = OLD.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = OLD.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = OLD.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = OLD.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = OLD.family_id) m
    WHERE OLD.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = OLD.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER family_curators_milestones_insert AFTER INSERT ON family_curators
WHEN NEW.family_id IS NOT NULL
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT NEW.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = NEW.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = NEW.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = NEW.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = NEW.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = NEW.family_id) m
    WHERE NEW.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = NEW.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER family_curators_milestones_update AFTER UPDATE OF family_id, assigned_at ON family_curators
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT OLD.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = OLD.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = OLD.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = OLD.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = OLD.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = OLD.family_id) m
    WHERE OLD.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = OLD.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT NEW.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = NEW.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = NEW.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = NEW.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = NEW.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = NEW.family_id) m
    WHERE NEW.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = NEW.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER family_curators_milestones_delete AFTER DELETE ON family_curators
WHEN OLD.family_id IS NOT NULL
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT OLD.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = OLD.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = OLD.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = OLD.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = OLD.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = OLD.family_id) m
    WHERE OLD.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = OLD.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_tasks_milestones_insert AFTER INSERT ON case_tasks
WHEN NEW.family_id IS NOT NULL
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT NEW.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = NEW.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = NEW.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = NEW.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = NEW.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = NEW.family_id) m
    WHERE NEW.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = NEW.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_tasks_milestones_update AFTER UPDATE OF family_id, created_at, status, done_on ON case_tasks
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT OLD.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = OLD.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = OLD.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = OLD.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = OLD.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = OLD.family_id) m
    WHERE OLD.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = OLD.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT NEW.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = NEW.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = NEW.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = NEW.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = NEW.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = NEW.family_id) m
    WHERE NEW.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = NEW.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_tasks_milestones_delete AFTER DELETE ON case_tasks
WHEN OLD.family_id IS NOT NULL
BEGIN
    INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
    SELECT OLD.family_id, m.received_at,
        (SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = OLD.family_id AND st.received_at = m.received_at),
        (SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = OLD.family_id),
        (SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = OLD.family_id),
        (SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = OLD.family_id AND t.status = 'done')
    FROM (SELECT MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id = OLD.family_id) m
    WHERE OLD.family_id IS NOT NULL
    ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
        curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on;
    DELETE FROM family_milestones WHERE family_id = OLD.family_id AND signal_at IS NULL AND curator_at IS NULL AND task_at IS NULL;
END;
-- +goose StatementEnd

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
DROP TRIGGER signals_milestones_insert;
DROP TRIGGER signals_milestones_update;
DROP TRIGGER signals_milestones_delete;
DROP TRIGGER family_curators_milestones_insert;
DROP TRIGGER family_curators_milestones_update;
DROP TRIGGER family_curators_milestones_delete;
DROP TRIGGER case_tasks_milestones_insert;
DROP TRIGGER case_tasks_milestones_update;
DROP TRIGGER case_tasks_milestones_delete;
DROP TABLE family_milestones;
