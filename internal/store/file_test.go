package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func testFile(key string) *opora.File {
	return &opora.File{Name: "скан.pdf", MIME: "application/pdf", Size: 10, SHA256: "00", StorageKey: key}
}

func TestClientPhotoFilesAndConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientPhoto(ctx, c.ID, false); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("no photo yet: %v", err)
		}
		for i := 0; i < 2; i++ { // upload, then replace
			if err := s.SetClientPhoto(ctx, c.ID, testFile("1/2025/p"+string(rune('a'+i))), testFile("1/2025/t"+string(rune('a'+i)))); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.Client(ctx, c.ID)
		th, err := s.ClientPhoto(ctx, c.ID, true)
		if err != nil || th.ID != got.ThumbID || th.Kind != opora.FileKindThumb || th.StorageKey != "1/2025/tb" {
			t.Fatalf("thumb %v %+v", err, th)
		}
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if _, err := s.ClientPhoto(other.Ctx(), c.ID, true); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org photo: %v", err)
		}
		// Scans: listed, downloaded with an audit row, soft-deleted.
		f := testFile("1/2025/scan")
		f.ClientID, f.Comment = c.ID, "<b>копия</b>"
		if err := s.AddClientFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := s.SetClientPhoto(other.Ctx(), c.ID, testFile("x1"), testFile("x2")); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org sets photo: %v", err)
		}
		if _, err := s.DownloadClientFile(other.Ctx(), c.ID, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org download: %v", err)
		}
		// A photo is not reachable as a file.
		if _, err := s.DownloadClientFile(ctx, c.ID, got.PhotoID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("photo as file: %v", err)
		}
		dl, err := s.DownloadClientFile(ctx, c.ID, f.ID)
		if err != nil || dl.StorageKey != "1/2025/scan" || dl.Comment != "<b>копия</b>" {
			t.Fatalf("download %v %+v", err, dl)
		}
		audit, _, err := s.AuditEntries(ctx, opora.AuditFilter{Action: opora.ActionDownload, Entity: "file", EntityID: f.ID})
		if err != nil || len(audit) != 1 || audit[0].UserID != fx.Admin.ID {
			t.Fatalf("download audit %v %+v", err, audit)
		}
		// Consent with a scan.
		today := s.Today()
		if err := s.RecordConsent(ctx, &opora.Consent{ClientID: c.ID, From: today.AddDays(1), TakenBy: fx.Admin.ID,
			Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{opora.CategoryOrdinary}}); opora.FieldErrors(err)["consent_date"] != "error.date_future" {
			t.Fatalf("future consent: %v", err)
		}
		scan := testFile("1/2025/consent")
		if err := s.RecordConsent(ctx, &opora.Consent{ClientID: c.ID, From: today, TakenBy: fx.Admin.ID, File: scan,
			Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{opora.CategoryOrdinary}}); err != nil {
			t.Fatal(err)
		}
		if cs, err := s.ClientConsents(ctx, c.ID); err != nil || len(cs) != 1 || !cs[0].From.Equal(today) ||
			cs[0].TakenBy != fx.Admin.ID || cs[0].FileID != scan.ID {
			t.Fatalf("consent %v %+v", err, cs)
		}
		files, err := s.ClientFiles(ctx, c.ID)
		if err != nil || len(files) != 2 {
			t.Fatalf("files %v %d", err, len(files))
		}
		if err := s.DeleteClientFile(ctx, c.ID, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DownloadClientFile(ctx, c.ID, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("deleted file: %v", err)
		}
		for kind, n := range map[string]int{opora.EventPhoto: 2, opora.EventFile: 2, opora.EventConsent: 1} {
			if ev, err := s.Timeline(ctx, c.ID, []string{kind}, 0, 10); err != nil || len(ev) != n {
				t.Fatalf("timeline %s: %v %d", kind, err, len(ev))
			}
		}
	})
}

// StorageKeys names every key of the files folder a row holds — a
// client's photo and thumbnail, a scan (deleted too), bytes queued for
// removal — and nothing else: the start's sweep removes old bytes under
// any other key.
func TestStorageKeysNameEveryKeptFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.SetClientPhoto(ctx, c.ID, testFile("1/2026/photo"), testFile("1/2026/thumb")); err != nil {
			t.Fatal(err)
		}
		scan := testFile("1/2026/scan")
		scan.ClientID = c.ID
		if err := s.AddClientFile(ctx, scan); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClientFile(ctx, c.ID, scan.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := storetest.RawDB(t, s).Exec(`INSERT INTO file_removals (storage_key, queued_at) VALUES ('1/2026/queued', CURRENT_TIMESTAMP)`); err != nil {
			t.Fatal(err)
		}
		keys, err := s.StorageKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"1/2026/photo": true, "1/2026/thumb": true, "1/2026/scan": true, "1/2026/queued": true}
		if len(keys) != len(want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
		for k := range want {
			if !keys[k] {
				t.Errorf("key %s missing from %v", k, keys)
			}
		}
	})
}

// sweptKeyTables are the tables whose storage_key StorageKeys reads. A
// new table that keeps bytes in the files folder must be read there too,
// or the folder's sweep removes its bytes a day after they were written:
// this test fails when a table has a column that names a file's key and
// is not listed here (and so, presumably, not in StorageKeys' query).
var sweptKeyTables = map[string]bool{"files": true, "file_removals": true}

// otherFolderKeys are key columns of tables whose bytes live elsewhere,
// with where: the sweep never walks there.
var otherFolderKeys = map[string]string{
	"imports": "an uploaded spreadsheet lives in <data>/imports (web/admin_import.go), outside the files folder",
}

func TestStorageKeysReadEveryKeyColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		sc := readSchema(t, s)
		for table, cols := range sc.tables {
			for col := range cols {
				if strings.Contains(col, "storage_key") && !sweptKeyTables[table] && otherFolderKeys[table] == "" {
					t.Errorf("%s.%s names a file in the files folder, but StorageKeys (store/file.go) does not read it: the sweep at start would remove its bytes", table, col)
				}
			}
		}
		for table := range sweptKeyTables {
			if _, ok := sc.tables[table]["storage_key"]; !ok {
				t.Errorf("sweptKeyTables names %s, which has no storage_key column", table)
			}
		}
	})
}
