-- +goose Up
-- When each worker last looked at a family's tasks: see the SQLite migration.
CREATE TABLE family_views (
    user_id      BIGINT NOT NULL REFERENCES users(id),
    family_id    BIGINT NOT NULL REFERENCES families(id),
    last_seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, family_id)
);
CREATE INDEX family_views_family ON family_views(family_id);

-- +goose Down
DROP TABLE family_views;
