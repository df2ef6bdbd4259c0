-- +goose Up
-- Two family cards joined into one (MergeFamilies): the merged-away card
-- stays as a tombstone pointing at the survivor, so its number still
-- leads somewhere.
ALTER TABLE families ADD COLUMN merged_into INTEGER REFERENCES families(id);

-- +goose Down
ALTER TABLE families DROP COLUMN merged_into;
