package search

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// The name-word dictionary behind typo search (tables name_words and
// name_word_grams, see migration 00014). Every client write that sets a
// search key adds the key's new words; a typo search turns each typed word
// into the dictionary words within typing distance, then looks the clients
// up by those words exactly.

// maxVariants caps the dictionary words one typed word may stand for.
const maxVariants = 40

// NameGrams returns the distinct trigrams of a NameKey word, padded with two
// spaces before and one after, as pg_trgm does.
func NameGrams(w string) []string {
	p := "  " + w + " "
	seen := map[string]bool{}
	var out []string
	for i := 0; i+3 <= len(p); i++ {
		if g := p[i : i+3]; !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// KeyWords returns the distinct words of search keys.
func KeyWords(keys ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		for _, w := range strings.Fields(k) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	sort.Strings(out)
	return out
}

// NewNameWords returns the words the dictionary does not hold yet.
func NewNameWords(ctx context.Context, query func(ctx context.Context, q string, args ...any) ([]string, error),
	words []string) ([]string, error) {
	have := map[string]bool{}
	for i := 0; i < len(words); i += 500 {
		in, args := inList(nil, words[i:min(i+500, len(words))])
		got, err := query(ctx, `SELECT word FROM name_words WHERE word IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: name words: %w", err)
		}
		for _, w := range got {
			have[w] = true
		}
	}
	var out []string
	for _, w := range words {
		if !have[w] {
			out = append(out, w)
		}
	}
	return out, nil
}

// AddNameWords adds the new words of search keys to the dictionary, in the
// caller's transaction.
func AddNameWords(ctx context.Context, q queryer, keys ...string) error {
	fresh, err := NewNameWords(ctx, func(ctx context.Context, query string, args ...any) ([]string, error) {
		return QueryStrings(ctx, q, query, args...)
	}, KeyWords(keys...))
	if err != nil {
		return err
	}
	for _, w := range fresh {
		if _, err := q.ExecContext(ctx, `INSERT INTO name_words (word) VALUES ($1) ON CONFLICT DO NOTHING`, w); err != nil {
			return fmt.Errorf("store: name words: %w", err)
		}
		for _, g := range NameGrams(w) {
			if _, err := q.ExecContext(ctx, `INSERT INTO name_word_grams (gram, word) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
				g, w); err != nil {
				return fmt.Errorf("store: name words: %w", err)
			}
		}
	}
	return nil
}

func QueryStrings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// wordVariants returns the dictionary words a typed word may stand for with
// typing errors: the whole word within maxTypos, or its beginning within one.
// Closest first, at most maxVariants. Each edit spoils at most three
// trigrams, so a variant shares all but 3×typos of the typed word's. known
// says the typed word is itself a name word of the dictionary.
// near counts the variants one typing error away (they come first).
func (s *Search) wordVariants(ctx context.Context, q string) (variants []string, near int, known bool, err error) {
	k := maxTypos(len(q))
	if k == 0 {
		return nil, 0, false, nil
	}
	grams := NameGrams(q)
	in, args := inList(nil, grams)
	args = append(args, max(1, len(grams)-3*k))
	words, err := QueryStrings(ctx, s.r, `SELECT word FROM name_word_grams WHERE gram IN (`+in+`)
		GROUP BY word HAVING COUNT(*) >= $`+fmt.Sprint(len(args)), args...)
	if err != nil {
		return nil, 0, false, fmt.Errorf("store: search: %w", err)
	}
	type variant struct {
		w string
		d int
	}
	var out []variant
	for _, w := range words {
		if w == q {
			known = true
			continue
		}
		if d := editDistance(q, w); d <= k {
			out = append(out, variant{w, d})
		} else if len(w) > len(q) {
			if d := editDistance(q, w[:len(q)]); d <= min(k, 1) {
				out = append(out, variant{w, d + 1})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].w < out[j].w
	})
	res := make([]string, 0, min(len(out), maxVariants))
	for i := 0; i < len(out) && i < maxVariants; i++ {
		res = append(res, out[i].w)
		if out[i].d <= 1 {
			near++
		}
	}
	return res, near, known, nil
}
