package mksimport_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/mksimport"
	"github.com/opora-project/opora/internal/mksimport/mkstest"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func init() { auth.SetParamsForTests() }

// fixture loads testdata/mks (МКС's DDL at v2.20 and made-up rows) into a
// scratch database of its own; extra SQL runs after it.
func fixture(t *testing.T, extra string) *sql.DB {
	t.Helper()
	dsn := mkstest.Server(t)
	schema, err := os.Open("testdata/mks/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	defer schema.Close()
	rows, err := os.Open("testdata/mks/rows.sql")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sc, err := mksimport.LoadDump(context.Background(), dsn, io.MultiReader(schema, rows, strings.NewReader(extra)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sc.Drop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return sc.DB
}

// oporaFixture is an organisation whose service catalogue has two of the
// three МКС service types: "Консультация юриста" is in the default
// catalogue, "Стрижка" is added; "Выдача проездного" has no counterpart.
func oporaFixture(t *testing.T, s *store.Store) (*storetest.Fixture, context.Context) {
	f := storetest.SetupOrg(t, s, "Ночлежка")
	ctx := f.Ctx()
	for _, name := range []string{"Стрижка"} {
		if err := s.CreateServiceType(ctx, &opora.ServiceType{Name: name, Group: "Помощь"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, room := range []string{"12", "7а"} {
		if err := s.SaveRoom(ctx, &opora.Room{BranchID: f.Branch.ID, Name: room, Capacity: 4}); err != nil {
			t.Fatal(err)
		}
	}
	return f, ctx
}

func findClient(t *testing.T, s *store.Store, ctx context.Context, id int64) *opora.Client {
	t.Helper()
	c, err := s.Client(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestImportMKS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		db := fixture(t, "")
		f, ctx := oporaFixture(t, s)
		// МКС's upload folder, with the scan of Смирнов's passport.
		uploads := t.TempDir()
		scan := []byte("%PDF-1.4\n% скан паспорта\n")
		if err := os.MkdirAll(filepath.Join(uploads, "documents"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(uploads, "documents", "5f1c0a2e9b.jpg"), scan, 0o600); err != nil {
			t.Fatal(err)
		}
		// and his photo (a small PNG, as МКС kept it).
		img := image.NewNRGBA(image.Rect(0, 0, 40, 60))
		for i := range img.Pix {
			img.Pix[i] = 0x80
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(uploads, "64b7e1d2c3.png"), buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		opt := mksimport.Options{BranchID: f.Branch.ID, FilesDir: uploads, Files: files.New(t.TempDir())}
		rep, err := mksimport.Import(ctx, s, db, opt)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, rep)
		}
		want := map[string]int{"user": 1, "client": 3, "questionnaire": 1, "note": 3, "service": 3, "document": 2, "case": 1, "task": 2,
			"stay": 2, "reminder": 1, "file": 1, "photo": 1}
		for k, n := range want {
			if rep.Imported[k] != n {
				t.Errorf("imported %s = %d, want %d\n%s", k, rep.Imported[k], n, rep)
			}
		}
		if rep.Version != mksimport.SupportedVersion {
			t.Errorf("version = %q", rep.Version)
		}

		ids, err := s.ImportedIDs(opora.WithImport(ctx, mksimport.Source), "client")
		if err != nil {
			t.Fatal(err)
		}
		smirnov := findClient(t, s, ctx, ids[101])
		if smirnov.Surname != "Смирнов" || smirnov.FirstName != "Алексей" || smirnov.Patronymic != "Викторович" ||
			smirnov.BirthDate.String() != "1972-03-15" || smirnov.Gender != opora.GenderMale ||
			smirnov.HomelessStatus != opora.Homeless || smirnov.BirthPlace != "г. Вологда" {
			t.Errorf("Смирнов imported as %+v", smirnov)
		}
		if got := smirnov.CreatedAt.UTC().Format("2006-01-02 15:04"); got != "2021-02-01 10:30" {
			t.Errorf("Смирнов created at %s, want МКС's 2021-02-01 10:30", got)
		}
		if k := findClient(t, s, ctx, ids[102]); k.Gender != opora.GenderFemale || k.HomelessStatus != opora.Housed {
			t.Errorf("Кузнецова imported as %+v", k)
		}

		// The audit log says the client was imported, from МКС.
		entries, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "client", EntityID: smirnov.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		imported := false
		for _, e := range entries {
			if e.Action == opora.ActionCreate {
				t.Errorf("imported client logged as created by hand: %+v", e)
			}
			if e.Action == opora.ActionImport && len(e.Changes) > 0 && e.Changes[len(e.Changes)-1].New == "mks" {
				imported = true
			}
		}
		if !imported {
			t.Errorf("no audit entry says Смирнов was imported from МКС: %+v", entries)
		}

		// The timeline tells the history in МКС's order and dates.
		events, err := s.Timeline(ctx, smirnov.ID, nil, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, e := range events {
			days = append(days, e.Entity+" "+e.At.UTC().Format("2006-01-02"))
		}
		for _, want := range []string{"client 2021-02-01", "note 2021-02-03", "service 2021-02-09"} {
			if !strings.Contains(strings.Join(days, "|"), want) {
				t.Errorf("timeline %q lacks %q", days, want)
			}
		}

		notes, err := s.ClientNotes(ctx, smirnov.ID)
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		important := 0
		for _, n := range notes {
			bodies = append(bodies, n.Body)
			if n.Important {
				important++
			}
		}
		joined := strings.Join(bodies, "|")
		if len(notes) != 2 || !strings.Contains(joined, "Пришёл впервые, потерял паспорт.") ||
			strings.Contains(joined, "<p>") || important != 1 {
			t.Errorf("Смирнов's notes = %q (important %d), want the two МКС notes as plain text, one important", bodies, important)
		}

		svcs, _, err := s.ClientServices(ctx, smirnov.ID, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, sv := range svcs {
			got[sv.TypeName] = sv.RenderedOn.String()
		}
		if len(svcs) != 2 || got["Консультация юриста"] != "2021-02-09" || got["Стрижка"] != "2021-03-01" {
			t.Errorf("Смирнов's services = %v, want the lawyer on 2021-02-09 and the haircut on 2021-03-01", got)
		}

		// The service plan is a case with its items as tasks.
		cases, err := s.ClientCases(ctx, smirnov.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 1 || !cases[0].Open() || cases[0].OpenedOn.String() != "2021-02-05" ||
			cases[0].CuratorName != "Иванова Мария Петровна" {
			t.Fatalf("Смирнов's cases = %+v, want one open case from 2021-02-05 led by Иванова", cases)
		}
		tasks, err := s.CaseTasks(ctx, cases[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		taskLines := map[string]string{}
		for _, tk := range tasks {
			taskLines[tk.Description] = string(tk.Status) + " " + tk.StartOn.String() + " " + tk.DoneOn.String()
		}
		if len(tasks) != 2 || taskLines["Запрос в ФМС"] != "done 2021-02-05 2021-03-10" ||
			!strings.HasPrefix(taskLines["Резюме и вакансии"], "planned 2021-03-15") {
			t.Errorf("the plan's tasks = %v, want the passport request done on 2021-03-10 and the job search planned from 2021-03-15", taskLines)
		}

		// Questionnaire answers, matched by field and option names.
		q, err := s.Questionnaire(ctx, smirnov.ID)
		if err != nil {
			t.Fatal(err)
		}
		answers := map[string]string{}
		for _, sec := range q.Form.Sections {
			for _, fl := range sec.Fields {
				a := q.Answers[fl.ID]
				if a == nil {
					continue
				}
				v := a.Text
				for _, id := range a.OptionIDs {
					v += fl.Option(id).Label
				}
				answers[fl.Label] = v
			}
		}
		if answers["Образование"] != "Высшее" || answers["Профессия"] != "Сварщик" ||
			answers["Причина бездомности"] != "Утрата документов" {
			t.Errorf("Смирнов's answers = %v", answers)
		}

		// Documents, with their МКС type mapped to Opora's.
		docs, err := s.IdentityDocuments(ctx, smirnov.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) != 1 || docs[0].TypeLabel != "Паспорт РФ" || docs[0].Series != "4005" || docs[0].Number != "123456" ||
			docs[0].IssuedOn.String() != "2017-05-20" || docs[0].IssuedBy != "ТП №12 отдела УФМС" {
			t.Errorf("Смирнов's documents = %+v, want his passport 4005 123456 of 2017-05-20", docs)
		}

		// The scan found in МКС's upload folder is the client's file.
		fs, err := s.ClientFiles(ctx, smirnov.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].Comment != "Скан паспорта" || fs[0].TypeLabel != "Паспорт РФ" || fs[0].Size != int64(len(scan)) {
			t.Errorf("Смирнов's files = %+v, want the passport scan", fs)
		} else if obj, err := opt.Files.Open(fs[0].StorageKey); err != nil {
			t.Error(err)
		} else {
			b, _ := io.ReadAll(obj)
			obj.Close()
			if string(b) != string(scan) {
				t.Errorf("stored scan = %q", b)
			}
		}

		if smirnov := findClient(t, s, ctx, ids[101]); smirnov.PhotoID == 0 || smirnov.ThumbID == 0 {
			t.Errorf("Смирнов has no photo after the import: %+v", smirnov)
		}

		// Shelter stays: Смирнов's ended in eviction, Ёлкин still lives in 7А.
		stays, err := s.ClientStays(ctx, smirnov.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stays) != 1 || stays[0].RoomName != "12" || stays[0].CheckIn.String() != "2021-02-05" ||
			stays[0].CheckOut.String() != "2021-05-30" || stays[0].Status != opora.StayEvicted {
			t.Errorf("Смирнов's stays = %+v", stays)
		}
		stays, err = s.ClientStays(ctx, ids[103])
		if err != nil {
			t.Fatal(err)
		}
		if len(stays) != 1 || stays[0].RoomName != "7а" || !stays[0].CheckOut.IsZero() || stays[0].Status != opora.StayLiving {
			t.Errorf("Ёлкин's stays = %+v, want living in 7А", stays)
		}

		// The reminder goes to the МКС worker's new account.
		users, err := s.ImportedIDs(opora.WithImport(ctx, mksimport.Source), "user")
		if err != nil {
			t.Fatal(err)
		}
		ivanova, err := s.User(ctx, users[1])
		if err != nil {
			t.Fatal(err)
		}
		if ivanova.Login != "ivanova" || ivanova.FullName != "Иванова Мария Петровна" || ivanova.Position != "Социальный работник" {
			t.Errorf("МКС user imported as %+v", ivanova)
		}
		rems, err := s.ClientReminders(ctx, ids[102])
		if err != nil {
			t.Fatal(err)
		}
		if len(rems) != 1 || rems[0].DueOn.String() != "2022-07-01" || rems[0].Body != "Позвонить насчёт справки" ||
			len(rems[0].RecipientIDs) != 1 || rems[0].RecipientIDs[0] != ivanova.ID {
			t.Errorf("Кузнецова's reminders = %+v, want one on 2022-07-01 to Иванова", rems)
		}

		// The service type with no Opora counterpart is reported, with the
		// МКС id of the service it held back, and the report has no names.
		out := rep.String()
		if !strings.Contains(out, `service_type "Выдача проездного" — 1 record(s), e.g. МКС ids 304`) {
			t.Errorf("report does not name the unmapped service type:\n%s", out)
		}
		for _, want := range []string{`questionnaire: client_field "Где ночует" — 1 record(s), e.g. МКС ids 904`,
			`client_field_option "Причина бездомности: Обманули при продаже квартиры"`,
			`client_field_option "Образование: Среднее специальное"`} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		for _, name := range []string{"Смирнов", "Кузнецова", "Ёлкин", "паспорт", "Сварщик", "На вокзале"} {
			if strings.Contains(out, name) {
				t.Errorf("report shows personal data %q:\n%s", name, out)
			}
		}

		// A second run finds everything imported and creates nothing.
		again, err := mksimport.Import(ctx, s, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range want {
			if again.Imported[k] != 0 || again.Already[k] != n {
				t.Errorf("re-run: %s imported %d, already %d; want 0 and %d", k, again.Imported[k], again.Already[k], n)
			}
		}
		if _, total, err := s.Clients(ctx, store.ClientFilter{Limit: 50}); err != nil || total != 3 {
			t.Errorf("after the re-run the organisation has %d clients (%v), want 3", total, err)
		}
		svcs, _, _ = s.ClientServices(ctx, smirnov.ID, 0, 50)
		if len(svcs) != 2 {
			t.Errorf("after the re-run Смирнов has %d services, want 2", len(svcs))
		}
	})
}

func TestImportMKSWrongVersion(t *testing.T) {
	db := fixture(t, `DELETE FROM doctrine_migration_versions WHERE version LIKE '%Version20250827101348';`)
	_, err := mksimport.Check(context.Background(), db)
	if !errors.Is(err, mksimport.ErrVersion) {
		t.Fatalf("Check of an older МКС = %v, want ErrVersion", err)
	}
	for _, want := range []string{"Version20240830130542", "supports Version20250827101348", "МКС v2.20"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Nothing is written: Import stops before the store.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f, ctx := oporaFixture(t, s)
		if _, err := mksimport.Import(ctx, s, db, mksimport.Options{BranchID: f.Branch.ID}); !errors.Is(err, mksimport.ErrVersion) {
			t.Fatalf("Import = %v, want ErrVersion", err)
		}
		cs, err := s.ImportedIDs(opora.WithImport(ctx, mksimport.Source), "client")
		if err != nil || len(cs) != 0 {
			t.Errorf("imported clients after a refused import: %v %v", cs, err)
		}
	})
}

// A run that fails half-way keeps the batches it committed, and the next
// run carries on from there without creating anything twice.
func TestImportMKSFailedRunResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		db := fixture(t, "RENAME TABLE note TO note_away;")
		f, ctx := oporaFixture(t, s)
		rep, err := mksimport.Import(ctx, s, db, mksimport.Options{BranchID: f.Branch.ID})
		if err == nil || !strings.Contains(err.Error(), "note") {
			t.Fatalf("import without the note table = %v, want an error about notes", err)
		}
		if rep.Imported["client"] != 3 || rep.Imported["note"] != 0 {
			t.Fatalf("before the failure: %v", rep.Imported)
		}
		if _, err := db.Exec("RENAME TABLE note_away TO note"); err != nil {
			t.Fatal(err)
		}
		rep, err = mksimport.Import(ctx, s, db, mksimport.Options{BranchID: f.Branch.ID})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Already["client"] != 3 || rep.Imported["client"] != 0 || rep.Imported["note"] != 3 || rep.Imported["case"] != 1 {
			t.Errorf("second run: imported %v, already %v", rep.Imported, rep.Already)
		}
		_, total, err := s.Clients(ctx, store.ClientFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 {
			t.Errorf("the organisation has %d clients after two runs, want 3", total)
		}
	})
}
