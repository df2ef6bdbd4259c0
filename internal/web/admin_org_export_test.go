package web

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// archiveEntries reads a tar.gz into its entries.
func archiveEntries(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name], _ = io.ReadAll(tr)
	}
}

// archivesIn lists the archives in the exports folder, not the jobs'
// state files beside them.
func archivesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestOrgExportFromTheWeb: the organisation's administrator states the
// purpose, the export runs in the background, the archive waits encrypted
// in the data folder and downloads once through the export helper (audit
// row with the purpose); it opens as an Opora export holding the
// organisation's clients and its file decrypted, and no other
// organisation's. A supervisor and a specialist get 403, another
// organisation's administrator 404, a second download 410.
func TestOrgExportFromTheWeb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		setPassword(t, st, fx.Admin.ID, fx.Org.ID)
		dir := t.TempDir()
		key := testFilesKey(t)
		a := appWithKey(t, st, dir, key)
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Переездова", FirstName: "Анна", BranchID: fx.Branch.ID}
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		scan := []byte("%PDF-1.4 скан справки Переездовой")
		stored, err := a.web.files.Put(fx.Org.ID, st.Now(), scan)
		if err != nil {
			t.Fatal(err)
		}
		f := &opora.File{ClientID: c.ID, Name: "справка.pdf", MIME: "application/pdf", Size: stored.Size, SHA256: stored.SHA256, StorageKey: stored.Key}
		if err := st.AddClientFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		other := storetest.AddOrg(t, st, ctx, "Чужая организация")
		if err := st.CreateClient(other.Ctx(), &opora.Client{Surname: "Посторонний", FirstName: "Остап", BranchID: other.Branch.ID}); err != nil {
			t.Fatal(err)
		}
		setPassword(t, st, other.Admin.ID, other.Org.ID)

		admin := a.login(t, "admin", testPassword)
		mustContain(t, admin.get("/admin").Body, `href="/admin/organisation/data"`, "Выгрузка всех данных организации")
		page := admin.get("/admin/organisation/data")
		if page.Status != http.StatusOK {
			t.Fatalf("page: %d", page.Status)
		}
		mustContain(t, page.Body, "Выгрузка всех данных организации", "персональные данные всех клиентов", "расшифрованные файлы",
			"Паролей, кодов двухфакторного входа", "opora org import", "Цель выгрузки", "Начать выгрузку")

		// No purpose: the form again with its error, nothing started.
		res := admin.post("/admin/organisation/data", url.Values{"reason": {"  "}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no purpose: %d", res.Status)
		}
		mustContain(t, res.Body, `<div class="field-error" id="e-reason">Заполните это поле.</div>`)

		// Who else may not: a supervisor and a specialist (403).
		for _, role := range []string{"supervisor", "specialist"} {
			u, _ := fx.AddUser(t, "u-"+role, role)
			setPassword(t, st, u.ID, fx.Org.ID)
			c := a.login(t, "u-"+role, testPassword)
			for _, r := range []response{c.get("/admin/organisation/data"), c.post("/admin/organisation/data", url.Values{"reason": {"просто так"}})} {
				if r.Status != http.StatusForbidden {
					t.Fatalf("%s: %d", role, r.Status)
				}
			}
		}

		const reason = "Переход на сервер фонда"
		res = admin.post("/admin/organisation/data", url.Values{"reason": {reason}})
		id, ok := strings.CutPrefix(res.Location, "/admin/organisation/data/")
		if res.Status != http.StatusSeeOther || !ok {
			t.Fatalf("start: %d %q", res.Status, res.Location)
		}
		a.web.WaitJobs()
		// A second instance on the same database and data folder (several
		// instances behind a proxy): its start does not sweep the waiting
		// archive, and it shows the export and sends it.
		b := appWithKey(t, st, dir, key)
		adminB := b.login(t, "admin", testPassword)
		status := adminB.get(res.Location)
		if status.Status != http.StatusOK || status.Header.Get("Refresh") != "" {
			t.Fatalf("status: %d refresh %q", status.Status, status.Header.Get("Refresh"))
		}
		mustContain(t, status.Body, "Архив готов", `action="/admin/organisation/data/`+id+`/export"`, "Скачать архив", reason)

		// Waiting, the archive is encrypted at rest, readable by the owner only.
		waiting := archivesIn(t, filepath.Join(dir, "exports"))
		if len(waiting) != 1 {
			t.Fatalf("archives waiting: %v", waiting)
		}
		onDisk := filepath.Join(dir, "exports", waiting[0])
		raw, _ := os.ReadFile(onDisk)
		if _, enc := files.KeyIDOf(raw); !enc || bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
			t.Fatal("the waiting archive is not encrypted")
		}
		if fi, _ := os.Stat(onDisk); fi.Mode().Perm() != 0o600 {
			t.Fatalf("the waiting archive's mode: %v", fi.Mode())
		}

		// Another organisation's administrator: not found, page and download.
		stranger := a.login(t, other.Admin.Login, testPassword)
		if r := stranger.get(res.Location); r.Status != http.StatusNotFound {
			t.Fatalf("another organisation's status page: %d", r.Status)
		}
		if r := stranger.download(res.Location+"/export", "любопытство"); r.Status != http.StatusNotFound || r.Header.Get("Content-Disposition") != "" {
			t.Fatalf("another organisation's download: %d", r.Status)
		}

		dl := adminB.download(res.Location+"/export", reason)
		if dl.Status != http.StatusOK || dl.Header.Get("Content-Type") != "application/gzip" ||
			!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download: %d %q %q", dl.Status, dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
		}
		p := filepath.Join(t.TempDir(), "export.tar.gz")
		if err := os.WriteFile(p, []byte(dl.Body), 0o600); err != nil {
			t.Fatal(err)
		}
		opened, err := store.OpenOrgExport(p, 0)
		if err != nil {
			t.Fatalf("the downloaded archive does not open: %v", err)
		}
		opened.Close()
		if opened.Manifest.Organisation.ID != fx.Org.ID || len(opened.Manifest.Files) != 1 {
			t.Fatalf("manifest: %+v", opened.Manifest.Organisation)
		}
		entries := archiveEntries(t, []byte(dl.Body))
		if cl := string(entries["tables/clients.jsonl"]); !strings.Contains(cl, "Переездова") || strings.Contains(cl, "Посторонний") {
			t.Fatalf("clients in the archive: %s", cl)
		}
		if got := entries[opened.Manifest.Files[0].Path]; !bytes.Equal(got, scan) {
			t.Fatalf("the scan in the archive: %q", got)
		}

		// The audit: the export made, and downloaded, each with the purpose.
		rows, _, err := st.AuditEntries(ctx, opora.AuditFilter{Action: opora.ActionExport, Entity: "organisation", Limit: 10})
		if err != nil || len(rows) != 2 {
			t.Fatalf("audit: %v %d rows", err, len(rows))
		}
		for _, e := range rows {
			if changeOf(e, "reason") != reason || e.UserID != fx.Admin.ID || e.EntityID != fx.Org.ID {
				t.Errorf("audit row %+v", e)
			}
		}
		if !strings.HasPrefix(rows[0].Section, "organisation export download") || changeOf(rows[0], "export") != "organisation" {
			t.Errorf("download audit row %+v", rows[0])
		}

		// Once: the file is gone, a second download is refused and not audited.
		if left := archivesIn(t, filepath.Join(dir, "exports")); len(left) != 0 {
			t.Fatalf("the archive stays on disk after its download: %v", left)
		}
		again := admin.download(res.Location+"/export", reason)
		if again.Status != http.StatusGone || again.Header.Get("Content-Disposition") != "" {
			t.Fatalf("second download: %d", again.Status)
		}
		mustContain(t, again.Body, "Архив уже скачан")
		if rows, _, _ := st.AuditEntries(ctx, opora.AuditFilter{Action: opora.ActionExport, Entity: "organisation", Limit: 10}); len(rows) != 2 {
			t.Fatalf("audit rows after a refused download: %d", len(rows))
		}
		// A new export can start again.
		mustContain(t, admin.get("/admin/organisation/data").Body, "Начать выгрузку")
	})
}
