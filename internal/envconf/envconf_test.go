package envconf

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFallbacks(t *testing.T) {
	t.Setenv("OPORA_ADDR", ":9090")
	if got := String("ADDR", ":8080"); got != ":9090" {
		t.Errorf("variable: %q", got)
	}
	secret := filepath.Join(t.TempDir(), "url")
	if err := os.WriteFile(secret, []byte("postgres://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OPORA_DATABASE_URL_FILE", secret)
	if got := String("DATABASE_URL", ""); got != "postgres://x" {
		t.Errorf("file: %q", got)
	}
	if got := String("UNSET_NAME", "def"); got != "def" {
		t.Errorf("default: %q", got)
	}
	t.Setenv("OPORA_SECURE", "true")
	t.Setenv("OPORA_IDLE", "45m")
	if !Bool("SECURE") || Bool("UNSET_NAME") {
		t.Error("Bool")
	}
	if Duration("IDLE", time.Minute) != 45*time.Minute || Duration("UNSET_NAME", time.Minute) != time.Minute {
		t.Error("Duration")
	}
}
