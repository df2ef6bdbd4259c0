-- +goose Up
-- When each worker last looked at a family's tasks (the curator's view,
-- issue 21 item 4): a task changed after it is marked "changed since you
-- last looked". One row per worker and family, overwritten at each look.
CREATE TABLE family_views (
    user_id      INTEGER NOT NULL REFERENCES users(id),
    family_id    INTEGER NOT NULL REFERENCES families(id),
    last_seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, family_id)
);
CREATE INDEX family_views_family ON family_views(family_id);

-- +goose Down
DROP TABLE family_views;
