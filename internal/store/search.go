package store

import (
	"context"

	"github.com/opora-project/opora/internal/opora"
)

// LikelyDuplicates returns existing clients that may be the same person as
// c (before c is saved). The search feature replaces this placeholder with
// name and birth-date matching.
func (s *Store) LikelyDuplicates(ctx context.Context, c *opora.Client) ([]*opora.Client, error) {
	return nil, nil
}
