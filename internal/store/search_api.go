package store

import (
	"context"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/search"
)

// Client search lives in package search (internal/store/search); these are
// the store's methods and names for it.

type (
	SearchFilter = search.SearchFilter
	SearchResult = search.SearchResult
	SearchField  = search.SearchField
	SearchOption = search.SearchOption
)

// NameKey folds a name for matching (search.NameKey).
func NameKey(s string) string { return search.NameKey(s) }

// SearchFields lists the choice fields of the main questionnaire the search offers as filters.
func (s *Store) SearchFields(ctx context.Context) ([]SearchField, error) {
	return s.search.SearchFields(ctx)
}

// SearchClients finds clients within the actor's client.read scope.
func (s *Store) SearchClients(ctx context.Context, f SearchFilter) (*SearchResult, error) {
	return s.search.SearchClients(ctx, f)
}

// LikelyDuplicates returns existing clients that may be the same person as c.
func (s *Store) LikelyDuplicates(ctx context.Context, c *opora.Client) ([]*opora.Client, error) {
	return s.search.LikelyDuplicates(ctx, c)
}

func (s *Store) rekeyClients(ctx context.Context) error { return s.search.RekeyClients(ctx) }

func (s *Store) searchNames(ctx context.Context, where string, args []any, words []string, page int) ([]*opora.Client, bool, error) {
	return s.search.SearchNames(ctx, where, args, words, page)
}

type wordAlternatives struct{ alts [][]string }

func (s *Store) typedVariants(ctx context.Context, words []string) (wordAlternatives, bool, error) {
	alts, far, err := s.search.TypedAlternatives(ctx, words)
	return wordAlternatives{alts: alts}, far, err
}

func hasLongWord(words []string) bool { return search.HasLongWord(words) }
func rankKeys(keys []string, ids []int64, words []string) []int {
	return search.RankKeys(keys, ids, words)
}

func addNameWords(ctx context.Context, q queryer, keys ...string) error {
	return search.AddNameWords(ctx, q, keys...)
}
