package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// importFiles lists the uploads waiting in the data folder's imports/.
func importFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "imports", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitLongImport waits for a run of a few thousand rows, which on a
// loaded machine's PostgreSQL takes longer than waitImport's ten seconds.
func waitLongImport(t *testing.T, c *client, path string) response {
	t.Helper()
	for range 1200 {
		res := c.get(path)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, res.Status)
		}
		if res.Header.Get("Refresh") == "" {
			return res
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: the run did not end in two minutes", path)
	return response{}
}

// TestImportEncryptedAtRest: with a files key, an uploaded card file lies
// in imports/ encrypted (the key's header, none of the names in it, 0600)
// and the mapping page, the check and the import still read it right — a
// CSV of several encryption chunks and an XLSX, whose zip is read at
// offsets; the file is gone once the import is done. Without a key the
// upload is kept as sent.
func TestImportEncryptedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		setPassword(t, st, fx.Admin.ID, fx.Org.ID)
		dir := t.TempDir()
		key := testFilesKey(t)
		a := appWithKey(t, st, dir, key)
		c := a.login(t, "admin", testPassword)

		// A workbook of several chunks, read through the zip's directory at its end.
		xf := excelize.NewFile()
		_ = xf.SetSheetRow("Sheet1", "A1", &[]any{"Фамилия", "Имя", "Код"})
		const xrows = 1200
		for i := 0; i < xrows; i++ {
			b := make([]byte, 128)
			rand.Read(b)
			_ = xf.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &[]any{fmt.Sprintf("Юдина%05d", i), "Ядвига", hex.EncodeToString(b)})
		}
		var xb bytes.Buffer
		if err := xf.Write(&xb); err != nil {
			t.Fatal(err)
		}
		if xb.Len() < 2*files.ChunkSize {
			t.Fatalf("the workbook is %d bytes, want several chunks", xb.Len())
		}
		mapping := uploadImport(t, c, "список.xlsx", xb.Bytes())
		stored := importFiles(t, dir)
		if disk, err := os.ReadFile(stored[0]); err != nil || bytes.HasPrefix(disk, []byte("PK")) || bytes.Contains(disk, []byte("xl/workbook.xml")) {
			t.Fatalf("the workbook lies in the clear: %v", err)
		}
		page := c.get(mapping)
		mustContain(t, page.Body, "«Юдина00000»", "«Ядвига»")
		res := c.post(mapping, chosenMapping(page.Body))
		mustContain(t, waitLongImport(t, c, res.Location).Body, fmt.Sprintf("Будет создано клиентов</dt><dd>%d</dd>", xrows))

		if err := os.Remove(stored[0]); err != nil {
			t.Fatal(err)
		}
		var csv strings.Builder
		csv.WriteString("Фамилия;Имя;Дата рождения;Заметка\r\nЁлкин;Пётр;01.02.1975;\r\n")
		const rows = 1500
		for i := 1; i < rows; i++ {
			fmt.Fprintf(&csv, "Щукин%05d;Юрий;%02d.03.1980;%s\r\n", i, 1+i%28, strings.Repeat("ночует у вокзала ", 5))
		}
		sent := win1251(t, csv.String())
		if len(sent) < 2*files.ChunkSize {
			t.Fatalf("the file is %d bytes, want several chunks", len(sent))
		}
		mapping = uploadImport(t, c, "картотека.csv", sent)
		stored = importFiles(t, dir)
		if len(stored) != 1 {
			t.Fatalf("uploads: %v", stored)
		}
		disk, err := os.ReadFile(stored[0])
		if err != nil {
			t.Fatal(err)
		}
		if id, ok := files.KeyIDOf(disk); !ok || id != key.ID() {
			t.Fatalf("the upload is not encrypted with the files key (%v %s)", ok, id)
		}
		for _, name := range [][]byte{win1251(t, "Ёлкин"), []byte("Ёлкин"), win1251(t, "Щукин00001"), []byte("Фамилия"), win1251(t, "Фамилия")} {
			if bytes.Contains(disk, name) {
				t.Fatalf("the stored upload holds %q in the clear", name)
			}
		}
		if fi, _ := os.Stat(stored[0]); fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", fi.Mode().Perm())
		}
		page = c.get(mapping)
		mustContain(t, page.Body, "Дата рождения", "«Ёлкин»", "«Пётр»", "«Щукин00001»")
		form := chosenMapping(page.Body)
		res = c.post(mapping, form)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("mapping: %d %s", res.Status, res.Body)
		}
		status := res.Location
		mustContain(t, waitLongImport(t, c, status).Body, "Проверка файла", fmt.Sprintf("Будет создано клиентов</dt><dd>%d</dd>", rows),
			"Строк с ошибками</dt><dd>0</dd>")
		res = c.post(strings.TrimSuffix(status, "/")+"/run", url.Values{})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("run: %d", res.Status)
		}
		mustContain(t, waitLongImport(t, c, status).Body, "Результат импорта", fmt.Sprintf("Создано клиентов</dt><dd>%d</dd>", rows))
		mustContain(t, c.get("/clients/search?q="+url.QueryEscape("Ёлкин")).Body, "Ёлкин Пётр")
		a.web.WaitJobs()
		if left := importFiles(t, dir); len(left) != 0 {
			t.Fatalf("the imported file is kept: %v", left)
		}

		// Without a key: the upload is kept as it was sent.
		plain := appWithKey(t, st, t.TempDir(), nil)
		pc := plain.login(t, "admin", testPassword)
		uploadImport(t, pc, "картотека.csv", sent)
		kept := importFiles(t, plain.web.cfg.DataDir)
		if len(kept) != 1 {
			t.Fatalf("plain uploads: %v", kept)
		}
		if disk, err := os.ReadFile(kept[0]); err != nil || !bytes.Equal(disk, sent) {
			t.Fatalf("without a key the upload changed: %v", err)
		}
	})
}

// TestSweepImports: the sweep of imports/ removes the file of an import
// left unfinished once it has not changed for ImportKeep, a file no import
// names and a temporary file once a day old, the file of a done import at
// once; it keeps younger ones and the archived audit logs of `opora org
// import` beside them.
func TestSweepImports(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		dir := filepath.Join(a.web.cfg.DataDir, "imports")
		// An import done (its file put back, as if the removal had failed)…
		mapping := uploadImport(t, c, "готово.csv", []byte("Фамилия;Имя\nИванов;Иван\n"))
		done := importFiles(t, a.web.cfg.DataDir)[0]
		res := c.post(mapping, chosenMapping(c.get(mapping).Body))
		waitImport(t, c, res.Location)
		c.post(strings.TrimSuffix(res.Location, "/")+"/run", url.Values{})
		waitImport(t, c, res.Location)
		a.web.WaitJobs()
		if err := os.WriteFile(done, []byte("Фамилия;Имя\nИванов;Иван\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		// …one uploaded and left, a file without an import, a temporary
		// file, an archived audit log.
		uploadImport(t, c, "брошено.csv", []byte("Фамилия;Имя\nПетров;Пётр\n"))
		var left string
		for _, p := range importFiles(t, a.web.cfg.DataDir) {
			if p != done {
				left = p
			}
		}
		stray := filepath.Join(dir, strings.Repeat("ab", 16))
		temp := filepath.Join(dir, ".upload-123")
		audit := filepath.Join(dir, "audit-org1-20261206-120000-1.jsonl")
		for _, p := range []string{stray, temp, audit} {
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
		ctx := context.Background()
		now := time.Now()
		for _, step := range []struct {
			at      time.Time
			removed int
			gone    []string
			kept    []string
		}{
			{now.Add(time.Hour), 1, []string{done}, []string{left, stray, temp, audit}},
			{now.Add(48 * time.Hour), 2, []string{stray, temp}, []string{left, audit}},
			{now.Add(ImportKeep + time.Hour), 1, []string{left}, []string{audit}},
		} {
			n, err := a.web.SweepImports(ctx, step.at)
			if err != nil || n != step.removed {
				t.Fatalf("sweep at +%v: %d removed, %v; want %d", step.at.Sub(now).Round(time.Hour), n, err, step.removed)
			}
			for _, p := range step.gone {
				if exists(p) {
					t.Errorf("at +%v %s is kept", step.at.Sub(now).Round(time.Hour), filepath.Base(p))
				}
			}
			for _, p := range step.kept {
				if !exists(p) {
					t.Errorf("at +%v %s is gone", step.at.Sub(now).Round(time.Hour), filepath.Base(p))
				}
			}
		}
		// The abandoned import, asked to run now, says why it cannot.
		for _, j := range mustImports(t, a, fx) {
			if j.FileName == "брошено.csv" {
				res := c.post(fmt.Sprintf("/admin/import/%d/mapping", j.ID), chosenMapping(c.get(fmt.Sprintf("/admin/import/%d/mapping", j.ID)).Body))
				mustContain(t, waitImport(t, c, res.Location).Body, "Файл этого импорта уже удалён")
			}
		}
	})
}

func mustImports(t *testing.T, a *app, fx *storetest.Fixture) []*store.ImportJob {
	t.Helper()
	list, err := a.st.Imports(fx.Ctx(), 20)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
