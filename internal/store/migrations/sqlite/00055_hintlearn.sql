-- +goose Up
-- Learned hints (issue 23 item 2). hint_cases: one row per family case
-- learned from (its profile on the day it opened + opora.HintIntakeDays,
-- its plan's task types and its outcomes), kept so the nightly run only
-- recomputes the cases whose family changed. learned_hints: the groups'
-- counts, recomputed from hint_cases each run (a derived table: a test
-- recounts it from scratch). learned_hints_off: the hints a methodologist
-- switched off, by group and measure, so the switch survives recounting.
CREATE TABLE hint_cases (
    case_id     INTEGER PRIMARY KEY,
    family_id   INTEGER NOT NULL,
    profile_on  DATE NOT NULL,
    features    TEXT NOT NULL DEFAULT '',
    measures    TEXT NOT NULL DEFAULT '',
    crisis      INTEGER NOT NULL,
    improved    INTEGER NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX hint_cases_family ON hint_cases(family_id);

CREATE TABLE learned_hints (
    id          INTEGER PRIMARY KEY,
    features    TEXT NOT NULL,
    measure     TEXT NOT NULL DEFAULT '',
    n           INTEGER NOT NULL,
    k           INTEGER NOT NULL,
    n_without   INTEGER NOT NULL DEFAULT 0,
    k_without   INTEGER NOT NULL DEFAULT 0,
    rate        REAL NOT NULL,
    ci_low      REAL NOT NULL,
    ci_high     REAL NOT NULL,
    period_from DATE NOT NULL,
    period_to   DATE NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    UNIQUE (features, measure)
);

CREATE TABLE learned_hints_off (
    features    TEXT NOT NULL,
    measure     TEXT NOT NULL DEFAULT '',
    disabled_by INTEGER REFERENCES users(id),
    disabled_at TIMESTAMP NOT NULL,
    PRIMARY KEY (features, measure)
);

-- +goose Down
DROP TABLE learned_hints_off;
DROP TABLE learned_hints;
DROP TABLE hint_cases;
