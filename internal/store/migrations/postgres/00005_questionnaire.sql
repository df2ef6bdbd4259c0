-- +goose Up
-- Conditional display may also mean "show when field A is answered and does
-- not have option X" (e.g. awareness of a dependency when dependency is not "none").
ALTER TABLE form_fields ADD COLUMN show_if_not BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE form_fields DROP COLUMN show_if_not;
