package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Table is one table's rows ready to write (bulk loads, derived tables).
type Table struct {
	Name string
	Cols []string
	Rows [][]any
}

// InsertChunks writes rows (each in cols order) with multi-row INSERTs of
// up to 300 rows, each followed by upsert ("" for a plain INSERT).
func InsertChunks(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error,
	table string, cols []string, upsert string, rows [][]any) error {
	for i := 0; i < len(rows); i += 300 {
		part := rows[i:min(i+300, len(rows))]
		args := make([]any, 0, len(part)*len(cols))
		for _, r := range part {
			args = append(args, r...)
		}
		if err := exec(ctx, InsertValues(dialect, table, cols, len(part))+upsert, args...); err != nil {
			return fmt.Errorf("store: %s: %w", table, err)
		}
	}
	return nil
}

// InsertValues is "INSERT INTO table (cols) VALUES (…), (…)" for n rows.
// SQLite gets plain ? placeholders: the driver looks named ones ($n) up one
// by one, which costs more than the insert itself at bulk row counts.
func InsertValues(d Dialect, table string, cols []string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for r := 0; r < n; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if d == Postgres {
				b.WriteString("$" + strconv.Itoa(r*len(cols)+c+1))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
