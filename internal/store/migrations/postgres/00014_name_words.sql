-- +goose Up
-- The dictionary of name words (NameKey output split into words) of every
-- client ever saved, with each word's trigrams (padded like pg_trgm: two
-- spaces before, one after). A typo search first finds the dictionary words
-- within typing distance of each typed word through the trigrams, then the
-- clients holding those words through the clients' own index. The
-- dictionary stays small (tens of thousands of words for a region), so the
-- typo stage no longer scans candidates in proportion to the client count.
-- Words are never removed: a stale word costs one wasted alternative.
CREATE TABLE name_words (
    word TEXT PRIMARY KEY
);
CREATE TABLE name_word_grams (
    gram TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (gram, word)
);
-- Filled from the existing clients by Migrate (store.rekeyClients, name
-- key version 2).

-- +goose Down
DROP TABLE name_word_grams;
DROP TABLE name_words;
