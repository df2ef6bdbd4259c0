package mksimport

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Open connects to an МКС MySQL/MariaDB database given as a go-sql-driver
// DSN (user:pass@tcp(host:3306)/db); times are read as UTC, text as utf8mb4.
func Open(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mksimport: MySQL DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Collation = "utf8mb4_unicode_ci"
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mksimport: MySQL: %w", err)
	}
	return sql.OpenDB(c), nil
}

// Scratch is a database made on a MySQL server for a dump: Drop removes it.
type Scratch struct {
	DB     *sql.DB
	Name   string
	server *sql.DB
}

// LoadDump creates a scratch database (opora_mks_<random>) on the MySQL
// server serverDSN names (its database part is ignored) and runs the dump's
// statements into it, one by one: a mysqldump file, or the DDL and rows of
// the test fixture. The caller imports from s.DB and then calls Drop.
func LoadDump(ctx context.Context, serverDSN string, dump io.Reader) (*Scratch, error) {
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		return nil, fmt.Errorf("mksimport: MySQL DSN: %w", err)
	}
	cfg.DBName = ""
	server, err := Open(cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "opora_mks_" + hex.EncodeToString(b)
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		server.Close()
		return nil, fmt.Errorf("mksimport: scratch database: %w", err)
	}
	cfg.DBName = name
	db, err := Open(cfg.FormatDSN())
	if err != nil {
		server.Close()
		return nil, err
	}
	db.SetMaxOpenConns(1) // SET statements of the dump hold for the session
	s := &Scratch{DB: db, Name: name, server: server}
	if err := s.run(ctx, dump); err != nil {
		s.Drop(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

func (s *Scratch) run(ctx context.Context, dump io.Reader) error {
	sc := bufio.NewScanner(dump)
	sc.Buffer(make([]byte, 1<<20), 256<<20) // mysqldump writes long INSERT lines
	var stmt strings.Builder
	line, start := 0, 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if stmt.Len() == 0 {
			trimmed := strings.TrimSpace(t)
			if trimmed == "" || strings.HasPrefix(trimmed, "--") || strings.HasPrefix(trimmed, "#") {
				continue
			}
			start = line
		}
		stmt.WriteString(t)
		stmt.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(t), ";") && balanced(stmt.String()) {
			if otherDatabase(stmt.String()) {
				stmt.Reset()
				continue
			}
			if _, err := s.DB.ExecContext(ctx, stmt.String()); err != nil {
				return fmt.Errorf("mksimport: dump line %d: %w", start, quiet(err))
			}
			stmt.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("mksimport: dump: %w", err)
	}
	if strings.TrimSpace(stmt.String()) != "" {
		return fmt.Errorf("mksimport: dump line %d: statement without an end", start)
	}
	return nil
}

// quiet drops the part of a MySQL error that quotes the statement ("…
// near 'INSERT INTO client VALUES (…'"): a dump's rows are personal data
// and errors end up in logs. The line number says where to look.
func quiet(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		msg := me.Message
		if i := strings.Index(msg, " near '"); i >= 0 {
			msg = msg[:i] + " (statement not shown)"
		}
		return fmt.Errorf("MySQL error %d: %s", me.Number, msg)
	}
	return err
}

// otherDatabase reports whether a statement would leave the scratch
// database: "mysqldump --databases" writes CREATE DATABASE and USE (and,
// with --add-drop-database, DROP DATABASE) for the dumped database, which
// must not touch the server's real one. Such statements are skipped.
func otherDatabase(stmt string) bool {
	s := strings.TrimSpace(stmt)
	if strings.HasPrefix(s, "/*!") { // a version comment: /*!40000 DROP DATABASE … */;
		s = strings.TrimLeft(s[3:], "0123456789")
	}
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	for _, p := range []string{"USE ", "USE`", "CREATE DATABASE", "DROP DATABASE", "CREATE SCHEMA", "DROP SCHEMA", "ALTER DATABASE"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// balanced reports whether a statement's quotes are all closed, so a ';'
// at a line's end ends it rather than sits inside a string.
func balanced(s string) bool {
	var q rune
	esc := false
	for _, c := range s {
		switch {
		case esc:
			esc = false
		case c == '\\' && q != 0 && q != '`':
			esc = true
		case q == 0 && (c == '\'' || c == '"' || c == '`'):
			q = c
		case c == q:
			q = 0
		}
	}
	return q == 0
}

// Drop removes the scratch database.
func (s *Scratch) Drop(ctx context.Context) error {
	s.DB.Close()
	defer s.server.Close()
	if _, err := s.server.ExecContext(ctx, "DROP DATABASE IF EXISTS "+s.Name); err != nil {
		return fmt.Errorf("mksimport: drop scratch database: %w", err)
	}
	return nil
}
