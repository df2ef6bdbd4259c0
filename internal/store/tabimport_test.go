package store_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
	"github.com/opora-project/opora/internal/tabular"
)

// rowsSource is an ImportSource over rows in memory (row 1 is the header).
type rowsSource struct {
	rows [][]string
	i    int
}

func (r *rowsSource) Next() (int, []string, error) {
	if r.i >= len(r.rows) {
		return 0, nil, io.EOF
	}
	r.i++
	return r.i + 1, r.rows[r.i-1], nil
}

func (r *rowsSource) Progress() float64 { return float64(r.i) / float64(max(1, len(r.rows))) }

var importHeader = []string{"ФИО: фамилия", "Имя", "Дата рожд.", "Пол", "Образование", "Сирота", "Профессия", "Заметка"}

// importCards are paper cards typed into a spreadsheet: good rows, a bad
// date, a word not in the dictionary, a row twice and a person already
// registered.
var importCards = [][]string{
	{"Архипов", "Семён", "12.03.1970", "м", "Среднее профессиональное", "да", "сварщик", ""},
	{"Белова", "Анна", "1985", "Ж", "высшее", "нет", "", "без документов"},
	{"Власов", "Игорь", "31.02.1980", "м", "", "", "", ""},          // no such day
	{"Глебова", "Ольга", "01.01.1990", "ж", "Академия", "", "", ""}, // not in the dictionary
	{"", "Без фамилии", "", "", "", "", "", ""},                     // required field missing
	{"Архипов", "Семён", "12.03.1970", "м", "Среднее профессиональное", "да", "сварщик", ""},
	{"", "", "", "", "", "", "", ""},
	{"Дубов", "Пётр", "01.02.1975", "м", "", "", "", ""}, // already a client
}

var importMapping = []string{"surname", "first_name", "birth_date", "gender", "", "", "", ""}

func startImport(t *testing.T, s *store.Store, ctx context.Context, fx *storetest.Fixture, name string, mapping []string) *store.ImportJob {
	t.Helper()
	j := &store.ImportJob{FileName: name, FileHash: "h", Header: importHeader}
	if err := s.CreateImport(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.SetImportMapping(ctx, j.ID, mapping, fx.Branch.ID); err != nil {
		t.Fatalf("mapping: %v %v", err, opora.FieldErrors(err))
	}
	return j
}

func runImport(t *testing.T, s *store.Store, ctx context.Context, id int64, dry bool, rows [][]string) *store.ImportReport {
	t.Helper()
	if err := s.StartImportRun(ctx, id, dry); err != nil {
		t.Fatal(err)
	}
	rep, err := s.RunImport(ctx, id, &rowsSource{rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func errorsOnly(ps []store.ImportProblem) []string {
	var out []string
	for _, p := range ps {
		if p.ClientID == 0 {
			out = append(out, strconv.Itoa(p.Row)+"|"+p.Column+"|"+p.Message)
		}
	}
	return out
}

func TestImportDryRunAgreesWithImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		existing := addClient(t, s, ctx, fx.Branch.ID, "Дубов", "Петр", "", "01.02.1975")
		targets, err := s.ImportTargets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		key := func(label string) string {
			for _, tg := range targets {
				if tg.Label == label {
					return tg.Key
				}
			}
			t.Fatalf("no import target %q", label)
			return ""
		}
		mapping := slices.Clone(importMapping)
		mapping[4], mapping[5], mapping[6] = key("Образование"), key("Выпускник детского дома"), key("Профессия")
		j := startImport(t, s, ctx, fx, "картотека.csv", mapping)

		dry := runImport(t, s, ctx, j.ID, true, importCards)
		if dry.Rows != 7 || dry.Created != 3 || dry.Already != 1 || dry.ErrorRows != 3 || dry.Duplicates != 1 {
			t.Fatalf("dry run: %+v", dry)
		}
		wantErrors := []string{"4|Дата рожд.|import.error.date", "5|Образование|import.error.unknown_value",
			"6|ФИО: фамилия|import.error.required"}
		if got := errorsOnly(dry.Problems); !slices.Equal(got, wantErrors) {
			t.Errorf("dry run errors %q, want %q", got, wantErrors)
		}
		if !slices.ContainsFunc(dry.Problems, func(p store.ImportProblem) bool { return p.Row == 9 && p.ClientID == existing.ID }) {
			t.Errorf("the dry run does not find Дубов Пётр a likely duplicate of client %d: %+v", existing.ID, dry.Problems)
		}
		// Nothing was written by the dry run.
		if res, err := s.SearchClients(ctx, store.SearchFilter{Query: "Архипов"}); err != nil || res.Total != 0 {
			t.Fatalf("after the dry run Архипов is found %v times (%v)", res, err)
		}
		saved, err := s.ImportProblems(ctx, j.ID)
		if err != nil || !slices.Equal(errorsOnly(saved), wantErrors) {
			t.Errorf("kept problems %v (%v)", saved, err)
		}

		real := runImport(t, s, ctx, j.ID, false, importCards)
		if real.Rows != dry.Rows || real.Created != dry.Created || real.Already != dry.Already || real.ErrorRows != dry.ErrorRows {
			t.Errorf("the import %+v disagrees with the dry run %+v", real, dry)
		}
		if got := errorsOnly(real.Problems); !slices.Equal(got, wantErrors) {
			t.Errorf("import errors %q, want %q", got, wantErrors)
		}
		// The good rows are clients, found by search, with their answers
		// and an import line on their timeline; the bad ones are not.
		res, err := s.SearchClients(ctx, store.SearchFilter{Query: "Архипов Семён"})
		if err != nil || res.Total != 1 {
			t.Fatalf("Архипов found %d times (%v)", res.Total, err)
		}
		c := res.Clients[0]
		if c.BirthDate.String() != "1970-03-12" || c.Gender != opora.GenderMale {
			t.Errorf("Архипов imported as %+v", c)
		}
		qa, err := s.Questionnaire(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, x := range qa.Form.Fields() {
			if ans := qa.Answer(x.ID); !ans.Empty() {
				got[x.Label] = ans.Text
				for _, id := range ans.OptionIDs {
					got[x.Label] = x.Option(id).Label
				}
			}
		}
		if got["Образование"] != "Среднее профессиональное" || got["Выпускник детского дома"] != opora.YesNoYes || got["Профессия"] != "сварщик" {
			t.Errorf("Архипов's answers %v", got)
		}
		events, err := s.Timeline(ctx, c.ID, nil, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(events, func(e *opora.ClientEvent) bool { return e.Entity == "import" && e.Summary == "картотека.csv" }) {
			t.Errorf("no import line on the timeline: %+v", events)
		}
		b, err := s.SearchClients(ctx, store.SearchFilter{Query: "Белова"})
		if err != nil || b.Total != 1 || b.Clients[0].BirthPrecision != opora.BirthYear || b.Clients[0].BirthYear != 1985 {
			t.Errorf("Белова (born 1985): %+v %v", b, err)
		}
		for _, name := range []string{"Власов", "Глебова"} {
			if res, err := s.SearchClients(ctx, store.SearchFilter{Query: name}); err != nil || res.Total != 0 {
				t.Errorf("%s (a row with an error) was imported", name)
			}
		}

		// The same file again, as a new upload: nothing twice.
		again := startImport(t, s, ctx, fx, "картотека.csv", mapping)
		rep := runImport(t, s, ctx, again.ID, false, importCards)
		if rep.Created != 0 || rep.Already != 4 || rep.ErrorRows != 3 {
			t.Errorf("the second run: %+v", rep)
		}
		if res, err := s.SearchClients(ctx, store.SearchFilter{Query: "Архипов"}); err != nil || res.Total != 1 {
			t.Errorf("after a second run Архипов is found %d times", res.Total)
		}
		// A finished import does not run again.
		if err := s.StartImportRun(ctx, j.ID, false); err == nil {
			t.Error("a done import started again")
		}
		// The mapping is remembered for the header row.
		m, branch, err := s.SavedImportMapping(ctx, store.HeaderKey(importHeader))
		if err != nil || !slices.Equal(m, mapping) || branch != fx.Branch.ID {
			t.Errorf("remembered mapping %v, branch %d (%v)", m, branch, err)
		}
		storetest.CheckDerived(t, s)
	})
}

func TestImportNeedsAdministrator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		j := startImport(t, s, fx.Ctx(), fx, "a.csv", importMapping)
		_, ctx := fx.AddUser(t, "worker", "specialist")
		if _, err := s.ImportTargets(ctx); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a specialist reads import targets: %v", err)
		}
		if _, err := s.Import(ctx, j.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a specialist reads an import: %v", err)
		}
		if err := s.StartImportRun(ctx, j.ID, false); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a specialist starts an import: %v", err)
		}
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if _, err := s.Import(other.Ctx(), j.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("another organisation reads the import: %v", err)
		}
		// A mapping without the surname or with a field twice is refused.
		err := s.SetImportMapping(fx.Ctx(), j.ID, []string{"first_name", "first_name", "", "", "", "", "", ""}, fx.Branch.ID)
		fe := opora.FieldErrors(err)
		if fe["mapping"] != "import.error.no_surname" || fe["col1"] != "import.error.twice" {
			t.Errorf("bad mapping: %v", err)
		}
		// A run the server stopped during counts as interrupted after a
		// while without progress, and may start again.
		if err := s.StartImportRun(fx.Ctx(), j.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.StartImportRun(fx.Ctx(), j.ID, true); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("a running import started twice: %v", err)
		}
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE imports SET updated_at = $1 WHERE id = $2`,
			s.Now().Add(-store.ImportStale-time.Minute), j.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Import(fx.Ctx(), j.ID); err != nil || got.Status != store.ImportFailed || got.Failure != "import.error.interrupted" {
			t.Errorf("a stalled run reads as %+v (%v)", got, err)
		}
		if err := s.StartImportRun(fx.Ctx(), j.ID, true); err != nil {
			t.Errorf("an interrupted run does not start again: %v", err)
		}
	})
}

// TestImportXLSX imports a workbook as Excel saves it: the birth date a
// date cell (a day number underneath), the header in Russian; and a CSV
// with a UTF-8 byte order mark and commas: Cyrillic intact in both.
func TestImportXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		dir := t.TempDir()
		xf := excelize.NewFile()
		_ = xf.SetSheetRow("Sheet1", "A1", &[]any{"Фамилия", "Имя", "Дата рождения"})
		_ = xf.SetSheetRow("Sheet1", "A2", &[]any{"Ёлкина", "Алёна", time.Date(1975, 2, 1, 0, 0, 0, 0, time.UTC)})
		_ = xf.SetSheetRow("Sheet1", "A3", &[]any{"Щукин", "Юрий", "31.02.1980"})
		xlsx := filepath.Join(dir, "список.xlsx")
		if err := xf.SaveAs(xlsx); err != nil {
			t.Fatal(err)
		}
		csvPath := filepath.Join(dir, "bom.csv")
		if err := os.WriteFile(csvPath, []byte("\xEF\xBB\xBFФамилия,Имя,Дата рождения\r\nЪеловская,Эмма,1.2.1985\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{xlsx, csvPath} {
			src, err := tabular.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			j := &store.ImportJob{FileName: filepath.Base(file), FileHash: "h", Header: src.Header()}
			if err := s.CreateImport(ctx, j); err != nil {
				t.Fatal(err)
			}
			if err := s.SetImportMapping(ctx, j.ID, []string{"surname", "first_name", "birth_date"}, fx.Branch.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.StartImportRun(ctx, j.ID, false); err != nil {
				t.Fatal(err)
			}
			rep, err := s.RunImport(ctx, j.ID, src)
			src.Close()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Created != 1 {
				t.Errorf("%s: %+v", file, rep)
			}
		}
		for name, born := range map[string]string{"Ёлкина Алёна": "1975-02-01", "Ъеловская Эмма": "1985-02-01"} {
			res, err := s.SearchClients(ctx, store.SearchFilter{Query: name})
			if err != nil || res.Total != 1 || res.Clients[0].FullName() != name || res.Clients[0].BirthDate.String() != born {
				t.Errorf("%s: %+v (%v)", name, res, err)
			}
		}
		if res, _ := s.SearchClients(ctx, store.SearchFilter{Query: "Щукин"}); res.Total != 0 {
			t.Error("the row with 31.02.1980 was imported")
		}
	})
}

// TestImportBatchIsWhole: an import that fails in its second batch keeps
// the first batch whole and nothing of the second; run again, it
// finishes without creating anyone twice.
func TestImportBatchIsWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		var rows [][]string
		for i := range 1200 {
			rows = append(rows, []string{"Пакетов", "Клиент" + strconv.Itoa(i), "", "", "", "", "", ""})
		}
		j := startImport(t, s, ctx, fx, "пакеты.csv", importMapping)
		if err := s.StartImportRun(ctx, j.ID, false); err != nil {
			t.Fatal(err)
		}
		s.OnImportRow(func(row int) error {
			if row == 800 { // the second batch holds rows 502 to 1001
				return errors.New("the disk is full")
			}
			return nil
		})
		if _, err := s.RunImport(ctx, j.ID, &rowsSource{rows: rows}); err == nil {
			t.Fatal("the failing import reports no error")
		}
		count := func() int {
			t.Helper()
			var n int
			if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM clients WHERE surname = 'Пакетов'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != store.ImportBatch {
			t.Errorf("after a failure in the second batch %d clients exist, want the first batch's %d", n, store.ImportBatch)
		}
		if got, err := s.Import(ctx, j.ID); err != nil || got.Status != store.ImportFailed || got.Failure != "import.error.failed" {
			t.Errorf("the failed import reads %+v (%v)", got, err)
		}
		s.OnImportRow(nil)
		rep := runImport(t, s, ctx, j.ID, false, rows)
		if rep.Created != 1200-store.ImportBatch || rep.Already != store.ImportBatch || count() != 1200 {
			t.Errorf("the second run: %+v, %d clients", rep, count())
		}
		storetest.CheckDerived(t, s)
	})
}
