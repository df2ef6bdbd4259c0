package store_test

import (
	"context"
	"testing"

	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The files key check: empty until set, the first id kept (a second one
// does not replace it), gone once cleared.
func TestFilesKeyCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if id, err := s.FilesKeyID(ctx); err != nil || id != "" {
			t.Fatalf("fresh database: %q %v", id, err)
		}
		if err := s.SetFilesKeyID(ctx, "0123456789abcdef"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFilesKeyID(ctx, "fedcba9876543210"); err != nil {
			t.Fatal(err)
		}
		if id, err := s.FilesKeyID(ctx); err != nil || id != "0123456789abcdef" {
			t.Fatalf("after two sets: %q %v", id, err)
		}
		if err := s.ClearFilesKeyID(ctx); err != nil {
			t.Fatal(err)
		}
		if id, err := s.FilesKeyID(ctx); err != nil || id != "" {
			t.Fatalf("after clear: %q %v", id, err)
		}
	})
}
