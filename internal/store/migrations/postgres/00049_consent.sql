-- +goose Up
-- Consent as a record of its own (issue 22 items 1, 2; 152-ФЗ). A client
-- gives (or a legal representative gives for them) consent for purposes
-- (services, sharing with named agency types, photos, statistics) and data
-- categories ('ordinary' and the sensitivities), valid from a date and
-- optionally to one, with a scan and the worker who took it; withdrawal
-- keeps the row with its date, who recorded it and why.
CREATE TABLE consents (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    client_id       BIGINT NOT NULL REFERENCES clients(id),
    subject         TEXT NOT NULL DEFAULT 'self' CHECK (subject IN ('self', 'representative')),
    rep_name        TEXT NOT NULL DEFAULT '',
    rep_relation    TEXT NOT NULL DEFAULT '' CHECK (rep_relation IN ('', 'parent', 'guardian', 'trustee')),
    purposes        TEXT NOT NULL,
    categories      TEXT NOT NULL,
    agency_types    TEXT NOT NULL DEFAULT '',
    valid_from      DATE NOT NULL,
    valid_to        DATE,
    file_id         BIGINT REFERENCES files(id),
    taken_by        BIGINT REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL,
    withdrawn_on    DATE,
    withdrawn_by    BIGINT REFERENCES users(id),
    withdraw_reason TEXT NOT NULL DEFAULT '',
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX consents_client ON consents(client_id);

-- The one consent a client had on the profile becomes a 'services' consent
-- for every category (what it allowed before); the old columns are emptied
-- and no longer read.
INSERT INTO consents (organisation_id, client_id, purposes, categories, valid_from, file_id, taken_by, created_at)
SELECT organisation_id, id, 'services', 'ordinary,health,addiction,criminal,child', consent_date, consent_file_id,
       consent_by, updated_at
FROM clients WHERE consent_date IS NOT NULL;
UPDATE clients SET consent_date = NULL, consent_by = NULL, consent_file_id = NULL WHERE consent_date IS NOT NULL;

-- Coded statutory grounds the administrator picks from.
CREATE TABLE legal_bases (
    code      TEXT PRIMARY KEY,
    title     TEXT NOT NULL,
    reference TEXT NOT NULL,
    position  INTEGER NOT NULL
);
INSERT INTO legal_bases (code, title, reference, position) VALUES
('fz120_art9', 'Взаимодействие органов и учреждений системы профилактики безнадзорности и правонарушений несовершеннолетних', '120-ФЗ, ст. 9', 1),
('kdn_decision', 'Постановление комиссии по делам несовершеннолетних и защите их прав', '120-ФЗ, ст. 11; постановление КДН и ЗП', 2),
('court_decision', 'Решение суда', '152-ФЗ, ст. 10 ч. 2 п. 6', 3),
('vital_interests', 'Защита жизни, здоровья или иных жизненно важных интересов, когда получить согласие невозможно', '152-ФЗ, ст. 10 ч. 2 п. 3', 4),
('social_services', 'Социальное обслуживание граждан', '442-ФЗ; 152-ФЗ, ст. 10 ч. 2 п. 2.3', 5),
('guardianship', 'Опека и попечительство', '48-ФЗ, ст. 8; 152-ФЗ, ст. 10 ч. 2 п. 2.3', 6),
('medical', 'Медицинские цели, обработка медицинским работником', '152-ФЗ, ст. 10 ч. 2 п. 4', 7);

-- The organisation's table: data category × agency type → legal basis.
-- agency_type is the organisation's own type for storing, another agency's
-- type for sharing a family's card with it. basis_code '' says "consent
-- only" explicitly (overriding the defaults for sharing).
CREATE TABLE org_legal_bases (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    category        TEXT NOT NULL CHECK (category IN ('ordinary', 'health', 'addiction', 'criminal', 'child')),
    agency_type     TEXT NOT NULL,
    basis_code      TEXT NOT NULL DEFAULT '',
    updated_by      BIGINT REFERENCES users(id),
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organisation_id, category, agency_type)
);

-- Provenance of each stored answer: answers.organisation_id and updated_at
-- say who and when; basis says on what ground a sensitive one is kept:
-- 'consent' (basis_consent_id), 'legal:<code>', 'not_required' (the
-- organisation did not require consent then) or 'legacy' (stored before
-- this migration).
ALTER TABLE answers ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN basis_consent_id BIGINT REFERENCES consents(id);
UPDATE answers SET basis = 'consent',
    basis_consent_id = (SELECT MIN(c.id) FROM consents c WHERE c.client_id = answers.client_id)
WHERE field_id IN (SELECT id FROM form_fields WHERE sensitivity <> '')
  AND EXISTS (SELECT 1 FROM consents c WHERE c.client_id = answers.client_id);
UPDATE answers SET basis = 'legacy'
WHERE basis = '' AND field_id IN (SELECT id FROM form_fields WHERE sensitivity <> '');

-- No path may store a sensitive answer without its basis.
-- +goose StatementBegin
CREATE FUNCTION answers_sensitive_basis() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM form_fields f WHERE f.id = NEW.field_id AND f.sensitivity <> '') THEN
        RAISE EXCEPTION 'sensitive answer without a basis';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER answers_sensitive_basis BEFORE INSERT ON answers
    FOR EACH ROW WHEN (NEW.basis = '') EXECUTE FUNCTION answers_sensitive_basis();

-- +goose Down
DROP TRIGGER answers_sensitive_basis ON answers;
DROP FUNCTION answers_sensitive_basis();
UPDATE clients SET consent_date = (SELECT c.valid_from FROM consents c WHERE c.client_id = clients.id
        AND c.withdrawn_on IS NULL ORDER BY c.valid_from DESC, c.id DESC LIMIT 1),
    consent_by = (SELECT c.taken_by FROM consents c WHERE c.client_id = clients.id
        AND c.withdrawn_on IS NULL ORDER BY c.valid_from DESC, c.id DESC LIMIT 1),
    consent_file_id = (SELECT c.file_id FROM consents c WHERE c.client_id = clients.id
        AND c.withdrawn_on IS NULL ORDER BY c.valid_from DESC, c.id DESC LIMIT 1)
WHERE id IN (SELECT client_id FROM consents WHERE withdrawn_on IS NULL);
ALTER TABLE answers DROP COLUMN basis_consent_id;
ALTER TABLE answers DROP COLUMN basis;
DROP TABLE org_legal_bases;
DROP TABLE legal_bases;
DROP TABLE consents;
