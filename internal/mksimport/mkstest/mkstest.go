// Package mkstest gives the МКС import's tests their MySQL server (imported by tests only).
package mkstest

import (
	"os"
	"testing"
)

// EnvMySQL names the MySQL/MariaDB server the МКС import's tests make
// scratch databases on, e.g. root@tcp(127.0.0.1:3306)/.
const EnvMySQL = "OPORA_TEST_MYSQL"

// Server returns the test MySQL server's DSN. Without one the test is
// skipped on a developer's machine, but fails in CI (CI set): .ci/run
// starts MariaDB and sets it, so its absence there is a broken CI, not a
// reason to pass.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvMySQL)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is unset in CI: .ci/run must start MariaDB and set it", EnvMySQL)
		}
		t.Skipf("МКС import tests need a MySQL/MariaDB server: set %s='root@tcp(127.0.0.1:3306)/' (CI does)", EnvMySQL)
	}
	return dsn
}
