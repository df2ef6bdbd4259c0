// Package envconf reads the OPORA_* environment fallbacks of the commands'
// flags, shared by the server (cmd/opora) and the benchmark
// (cmd/opora-bench).
package envconf

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// String returns the OPORA_<name> variable, or the trimmed contents of the
// file named by OPORA_<name>_FILE (for secrets such as the database URL),
// or def.
func String(name, def string) string {
	if v, ok := os.LookupEnv("OPORA_" + name); ok {
		return v
	}
	if f, ok := os.LookupEnv("OPORA_" + name + "_FILE"); ok {
		if b, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return def
}

// Bool is String read as a boolean; false when unset or unreadable.
func Bool(name string) bool {
	b, _ := strconv.ParseBool(String(name, "false"))
	return b
}

// Duration is String read as a duration, or def.
func Duration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(String(name, "")); err == nil {
		return d
	}
	return def
}
