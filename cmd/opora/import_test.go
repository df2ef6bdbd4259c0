package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/mksimport/mkstest"
)

// opora import mks with a dump file: loaded into a scratch database on the
// MySQL server, imported into the organisation of the --as administrator,
// the report printed; a second run imports nothing.
func TestImportMKSCommand(t *testing.T) {
	server := mkstest.Server(t)
	dir, _ := setupDataDir(t)
	// As "mysqldump --databases homeless" writes it: the statements that
	// would create and enter the real database are skipped.
	dump := []byte("/*!40000 DROP DATABASE IF EXISTS `opora_mks_test_real`*/;\n" +
		"CREATE DATABASE /*!32312 IF NOT EXISTS*/ `opora_mks_test_real` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n" +
		"USE `opora_mks_test_real`;\n")
	for _, f := range []string{"schema.sql", "rows.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "internal", "mksimport", "testdata", "mks", f))
		if err != nil {
			t.Fatal(err)
		}
		dump = append(dump, b...)
	}
	file := filepath.Join(t.TempDir(), "mks.sql")
	if err := os.WriteFile(file, dump, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"import", "mks", "--data", dir, "--as", "admin", "--dump", file, "--mysql-dsn", server}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, nil, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"МКС database at Version20250827101348", "client                   3         0         0",
		`service: service_type "Выдача проездного" — 1 record(s), e.g. МКС ids 304`,
		`file: not imported "document_file (give МКС's upload folder)" — 1 record(s), e.g. МКС ids 951`,
		`file: not imported "client photo (give МКС's upload folder)" — 1 record(s), e.g. МКС ids 101`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	db, err := sql.Open("mysql", server)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'opora_mks_test_real'").Scan(&n); err != nil || n != 0 {
		t.Errorf("the dump's own database was created on the server (%d, %v)", n, err)
	}

	out.Reset()
	if err := run(context.Background(), args, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "client                   0         3         0") {
		t.Errorf("second run's report:\n%s", out.String())
	}

	out.Reset()
	err = run(context.Background(), []string{"import", "mks", "--data", dir, "--as", "admin", "--mysql-dsn", "x:y@tcp(127.0.0.1:1)/none"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the МКС database") {
		t.Errorf("import from an unreachable МКС: %v", err)
	}
}

// A broken dump says where, without quoting the rows (personal data).
func TestImportMKSBrokenDump(t *testing.T) {
	server := mkstest.Server(t)
	dir, _ := setupDataDir(t)
	file := filepath.Join(t.TempDir(), "broken.sql")
	dump := "CREATE TABLE client (id INT PRIMARY KEY, lastname VARCHAR(50));\n" +
		"INSERT INTO client VALUES (1, 'Смирнов') (2, 'Кузнецова');\n"
	if err := os.WriteFile(file, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"import", "mks", "--data", dir, "--as", "admin", "--dump", file, "--mysql-dsn", server},
		nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "dump line 2: MySQL error 1064") || strings.Contains(err.Error(), "Смирнов") ||
		strings.Contains(err.Error(), "Кузнецова") {
		t.Fatalf("broken dump: %v", err)
	}
}
