-- +goose Up
-- Certificates and letters from templates (issue 24 item 1).
--
-- doc_templates: an organisation's templates (opora.DocTemplate); the body
-- holds placeholders from opora.DocFields only. The defaults come from the
-- seeder (store/doctemplate.go, orgSeeders) for new and existing
-- organisations.
CREATE TABLE doc_templates (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    needs_case      BOOLEAN NOT NULL DEFAULT FALSE,
    needs_family    BOOLEAN NOT NULL DEFAULT FALSE,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX doc_templates_org ON doc_templates(organisation_id, title);

-- doc_images: the letterhead, signature and stamp images of an
-- organisation (file rows without a client). Replacing one points here at
-- the new file; the old file row stays for the documents issued with it.
CREATE TABLE doc_images (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    file_id         BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (organisation_id, kind)
);

-- doc_numbers: the last outgoing number per organisation and year, moved
-- by the issue's own transaction (no gaps, no duplicates).
CREATE TABLE doc_numbers (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    year            INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, year)
);

-- issued_documents: every document as issued — the filled text, the
-- number and the images used — so it prints again exactly the same.
CREATE TABLE issued_documents (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    client_id       BIGINT NOT NULL REFERENCES clients(id),
    template_id     BIGINT REFERENCES doc_templates(id),
    case_id         BIGINT REFERENCES cases(id),
    family_id       BIGINT REFERENCES families(id),
    title           TEXT NOT NULL,
    year            INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    number          TEXT NOT NULL,
    body            TEXT NOT NULL,
    issued_on       DATE NOT NULL,
    letterhead_id   BIGINT REFERENCES files(id),
    signature_id    BIGINT REFERENCES files(id),
    stamp_id        BIGINT REFERENCES files(id),
    created_by      BIGINT REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (organisation_id, year, seq)
);
CREATE INDEX issued_documents_client ON issued_documents(client_id, created_at);
CREATE INDEX issued_documents_family ON issued_documents(family_id);

-- +goose Down
DROP TABLE issued_documents;
DROP TABLE doc_numbers;
DROP TABLE doc_images;
DROP TABLE doc_templates;
