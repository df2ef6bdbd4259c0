-- +goose Up
-- Organisation settings used by the client record.
ALTER TABLE organisations ADD COLUMN consent_required BOOLEAN NOT NULL DEFAULT FALSE;

-- Uploaded files get a comment, a document type and a soft delete.
ALTER TABLE files ADD COLUMN comment TEXT NOT NULL DEFAULT '';
ALTER TABLE files ADD COLUMN type_id INTEGER;
ALTER TABLE files ADD COLUMN deleted_at TIMESTAMP;

-- Editable dictionaries of an organisation (document types now; more later).
-- key is the stable key of a seeded item, '' for items added by people.
CREATE TABLE dictionary_items (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    dictionary      TEXT NOT NULL,
    key             TEXT NOT NULL DEFAULT '',
    label           TEXT NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX dictionary_items_org ON dictionary_items(organisation_id, dictionary, position);

-- Questionnaires. The main questionnaire is the form with key 'profile'
-- (one filling per client: answers with filling_id NULL); other forms are
-- repeatable and every filling is dated.
CREATE TABLE forms (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    key             TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    repeatable      BOOLEAN NOT NULL DEFAULT FALSE,
    position        INTEGER NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX forms_org ON forms(organisation_id);

CREATE TABLE form_sections (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    form_id         INTEGER NOT NULL REFERENCES forms(id),
    title           TEXT NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX form_sections_form ON form_sections(form_id, position);

CREATE TABLE form_fields (
    id                INTEGER PRIMARY KEY,
    organisation_id   INTEGER NOT NULL REFERENCES organisations(id),
    section_id        INTEGER NOT NULL REFERENCES form_sections(id),
    key               TEXT NOT NULL DEFAULT '',
    label             TEXT NOT NULL,
    hint              TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL CHECK (type IN ('text', 'longtext', 'number', 'date', 'month', 'yesno', 'choice', 'multichoice', 'file')),
    required          BOOLEAN NOT NULL DEFAULT FALSE,
    position          INTEGER NOT NULL DEFAULT 0,
    disabled          BOOLEAN NOT NULL DEFAULT FALSE,
    sensitivity       TEXT NOT NULL DEFAULT '' CHECK (sensitivity IN ('', 'health', 'addiction', 'criminal', 'child')),
    key_answer        BOOLEAN NOT NULL DEFAULT FALSE,
    show_if_field_id  INTEGER REFERENCES form_fields(id),
    show_if_option_id INTEGER
);
CREATE INDEX form_fields_section ON form_fields(section_id, position);

CREATE TABLE field_options (
    id        INTEGER PRIMARY KEY,
    field_id  INTEGER NOT NULL REFERENCES form_fields(id),
    label     TEXT NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    disabled  BOOLEAN NOT NULL DEFAULT FALSE,
    not_alone BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX field_options_field ON field_options(field_id, position);

CREATE TABLE form_fillings (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    form_id         INTEGER NOT NULL REFERENCES forms(id),
    filled_on       DATE NOT NULL,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX form_fillings_client ON form_fillings(client_id, form_id, filled_on);

-- One row per answered field; a multiple choice has one row per chosen
-- option. Answers point to option ids, never to labels.
CREATE TABLE answers (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    filling_id      INTEGER REFERENCES form_fillings(id),
    field_id        INTEGER NOT NULL REFERENCES form_fields(id),
    option_id       INTEGER REFERENCES field_options(id),
    value_text      TEXT NOT NULL DEFAULT '',
    value_num       REAL,
    value_date      DATE,
    file_id         INTEGER REFERENCES files(id),
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX answers_client ON answers(client_id, field_id);
CREATE INDEX answers_field_option ON answers(field_id, option_id, client_id);

-- Notes, with every earlier text kept.
CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    body            TEXT NOT NULL,
    important       BOOLEAN NOT NULL DEFAULT FALSE,
    version         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX notes_client ON notes(client_id, important, created_at);

CREATE TABLE note_revisions (
    id        INTEGER PRIMARY KEY,
    note_id   INTEGER NOT NULL REFERENCES notes(id),
    body      TEXT NOT NULL,
    important BOOLEAN NOT NULL,
    edited_by INTEGER REFERENCES users(id),
    edited_at TIMESTAMP NOT NULL
);
CREATE INDEX note_revisions_note ON note_revisions(note_id);

-- Rule violations and restrictions ("no shelter until 1 March").
CREATE TABLE restrictions (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    kind            TEXT NOT NULL CHECK (kind IN ('violation', 'restriction')),
    description     TEXT NOT NULL,
    starts_on       DATE NOT NULL,
    ends_on         DATE,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    lifted_at       TIMESTAMP,
    lifted_by       INTEGER REFERENCES users(id)
);
CREATE INDEX restrictions_client ON restrictions(client_id, ends_on);

-- Reminders for named workers, or for everyone who may see the client.
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    due_on          DATE NOT NULL,
    body            TEXT NOT NULL,
    for_all         BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX reminders_org_due ON reminders(organisation_id, due_on);
CREATE INDEX reminders_client ON reminders(client_id);

CREATE TABLE reminder_recipients (
    reminder_id INTEGER NOT NULL REFERENCES reminders(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (reminder_id, user_id)
);
CREATE INDEX reminder_recipients_user ON reminder_recipients(user_id);

CREATE TABLE reminder_reads (
    reminder_id INTEGER NOT NULL REFERENCES reminders(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    read_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (reminder_id, user_id)
);

-- Identity documents.
CREATE TABLE identity_documents (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    type_id         INTEGER NOT NULL REFERENCES dictionary_items(id),
    series          TEXT NOT NULL DEFAULT '',
    number          TEXT NOT NULL DEFAULT '',
    issued_by       TEXT NOT NULL DEFAULT '',
    issued_on       DATE,
    address         TEXT NOT NULL DEFAULT '',
    comment         TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      INTEGER REFERENCES users(id),
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX identity_documents_client ON identity_documents(client_id);

-- +goose Down
DROP TABLE identity_documents;
DROP TABLE reminder_reads;
DROP TABLE reminder_recipients;
DROP TABLE reminders;
DROP TABLE restrictions;
DROP TABLE note_revisions;
DROP TABLE notes;
DROP TABLE answers;
DROP TABLE form_fillings;
DROP TABLE field_options;
DROP TABLE form_fields;
DROP TABLE form_sections;
DROP TABLE forms;
DROP TABLE dictionary_items;
ALTER TABLE files DROP COLUMN deleted_at;
ALTER TABLE files DROP COLUMN type_id;
ALTER TABLE files DROP COLUMN comment;
ALTER TABLE organisations DROP COLUMN consent_required;
