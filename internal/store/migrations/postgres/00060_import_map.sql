-- +goose Up
-- Imports from other systems (issue 24 item 3, `opora import mks`): which
-- record of the source became which Opora record, so a re-run creates
-- nothing twice. source names the system ("mks"), kind the source table
-- ("client", "note", …), ext_id the source's id. Written in the same
-- transaction as the record it names.
CREATE TABLE import_map (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    source          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    ext_id          BIGINT NOT NULL,
    opora_id        BIGINT NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organisation_id, source, kind, ext_id)
);

-- +goose Down
DROP TABLE import_map;
