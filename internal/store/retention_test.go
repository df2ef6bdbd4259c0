package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The person whose data are destroyed; every part of the name is unusual
// enough that finding it anywhere afterwards is a trace.
const (
	doomSurname = "Уничтожаемая"
	doomFirst   = "Серафима"
	doomPatr    = "Аркадьевна"
)

// retentionWorld is an organisation with clients in every retention state
// and their past services and cases, at 1 March 2029.
type retentionWorld struct {
	fx        *storetest.Fixture
	ctx       context.Context
	store     *files.Storage
	root      string
	caseType  int64
	otherType int64
	doomed    *opora.Client // case closed 20.02.2026: due under the 3-year rule (anonymise)
	open      *opora.Client // case open: never due
	recent    *opora.Client // case closed 10.01.2027: due in 2030
	deleted   *opora.Client // card deleted 15.01.2029: due under the 30-day rule (destroy)
	fresh     *opora.Client // card deleted 20.02.2029: not yet
	reopened  *opora.Client // due, then a new case opened before approval
	doomKeys  []string      // storage keys of the doomed client's files
}

func at(s *store.Store, y int, m time.Month, d int) {
	s.Now = func() time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
}

func putFile(t *testing.T, w *retentionWorld, s *store.Store, name string, data []byte) *opora.File {
	t.Helper()
	st, err := w.store.Put(w.fx.Org.ID, s.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	return &opora.File{Name: name, MIME: "application/pdf", Size: st.Size, SHA256: st.SHA256, StorageKey: st.Key}
}

func newRetentionWorld(t *testing.T, s *store.Store) *retentionWorld {
	t.Helper()
	now := s.Now
	t.Cleanup(func() { s.Now = now })
	at(s, 2026, 1, 10)
	fx := storetest.SetupOrg(t, s, "Ночлежка")
	ctx := fx.Ctx()
	root := t.TempDir()
	w := &retentionWorld{fx: fx, ctx: ctx, store: files.New(root), root: filepath.Join(root, files.DirName)}
	types, err := s.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil || len(types) < 2 {
		t.Fatalf("case types: %v %v", types, err)
	}
	w.caseType, w.otherType = types[0].ID, types[1].ID
	svTypes, err := s.ServiceTypes(ctx, true)
	if err != nil || len(svTypes) == 0 {
		t.Fatalf("service types: %v %v", svTypes, err)
	}
	taskTypes, _ := s.CaseDictionary(ctx, opora.DictTaskType, false)

	mk := func(surname, first, birth string, g opora.Gender) *opora.Client {
		c := &opora.Client{BranchID: fx.Branch.ID, Surname: surname, FirstName: first, Gender: g,
			HomelessStatus: opora.Homeless, BirthPlace: "Вологда"}
		if d, ok := opora.ParseDate(birth); ok {
			c.BirthPrecision, c.BirthDate = opora.BirthExact, d
		}
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	serve := func(c *opora.Client, day opora.Date, comment string) {
		t.Helper()
		if err := s.RecordServices(ctx, c.ID, day, []*opora.Service{{TypeID: svTypes[0].ID, Quantity: 1, Comment: comment}}); err != nil {
			t.Fatal(err)
		}
	}
	caseOf := func(c *opora.Client, typ int64, open, close opora.Date, text string) *opora.Case {
		t.Helper()
		at(s, open.Year(), open.Month(), open.Day())
		k := &opora.Case{ClientID: c.ID, TypeID: typ, CuratorID: fx.Admin.ID, OpenedOn: open}
		if err := s.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		if text != "" {
			tk := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: text}
			if err := s.AddTask(ctx, tk); err != nil {
				t.Fatal(err)
			}
			if err := s.AddTaskComment(ctx, tk.ID, "Звонила "+text); err != nil {
				t.Fatal(err)
			}
		}
		if !close.IsZero() {
			at(s, close.Year(), close.Month(), close.Day())
			if err := s.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomeDone, Comment: text,
				OpenTasks: opora.OpenTasksCancel}); err != nil {
				t.Fatal(err)
			}
		}
		return k
	}
	day := func(y int, m time.Month, d int) opora.Date {
		return opora.DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}

	// The doomed client: registered under an earlier surname, then renamed
	// (the audit keeps both), with a photo (replaced once), a scan, notes,
	// a reminder, a restriction, an identity document, questionnaire
	// answers, services with comments and a closed case with a task.
	at(s, 2026, 1, 10)
	w.doomed = mk(doomSurname+"-Прежняя", doomFirst, "15.01.1980", opora.GenderFemale)
	c, _ := s.Client(ctx, w.doomed.ID)
	c.Surname, c.Patronymic = doomSurname, doomPatr
	if err := s.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	full := doomSurname + " " + doomFirst + " " + doomPatr
	for i := range 2 {
		p := putFile(t, w, s, "фото.jpg", []byte("photo of "+full+string(rune('0'+i))))
		th := putFile(t, w, s, "фото.jpg", []byte("thumb of "+full+string(rune('0'+i))))
		p.MIME, th.MIME = "image/jpeg", "image/jpeg"
		if err := s.SetClientPhoto(ctx, w.doomed.ID, p, th); err != nil {
			t.Fatal(err)
		}
		w.doomKeys = append(w.doomKeys, p.StorageKey, th.StorageKey)
	}
	scan := putFile(t, w, s, doomSurname+"_паспорт.pdf", []byte("%PDF scan of "+full))
	scan.ClientID, scan.Comment = w.doomed.ID, "паспорт "+full
	if err := s.AddClientFile(ctx, scan); err != nil {
		t.Fatal(err)
	}
	w.doomKeys = append(w.doomKeys, scan.StorageKey)
	if err := s.CreateNote(ctx, &opora.Note{ClientID: w.doomed.ID, Body: doomFirst + " пришла в приют", Important: true}); err != nil {
		t.Fatal(err)
	}
	// A consent given by a representative, then withdrawn with a reason.
	cs := &opora.Consent{ClientID: w.doomed.ID, From: s.Today().AddDays(-30), TakenBy: opora.ActorFrom(ctx).UserID,
		Subject: opora.SubjectRepresentative, RepName: doomSurname + " Анна", RepRelation: "guardian",
		Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{"health"}}
	if err := s.RecordConsent(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawConsent(ctx, w.doomed.ID, cs.ID, s.Today(), "опекун "+doomFirst+" отозвала"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReminder(ctx, &opora.Reminder{ClientID: w.doomed.ID, DueOn: s.Today(), Body: "Позвонить " + doomFirst, ForAll: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRestriction(ctx, &opora.Restriction{ClientID: w.doomed.ID, Kind: opora.RestrictionBan,
		Description: "Не пускать " + doomSurname, StartsOn: s.Today()}); err != nil {
		t.Fatal(err)
	}
	db := storetest.RawDB(t, s)
	var docType int64
	if err := db.QueryRow(`INSERT INTO dictionary_items (organisation_id, dictionary, label) VALUES ($1, 'document_type', 'Паспорт') RETURNING id`,
		fx.Org.ID).Scan(&docType); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO identity_documents (organisation_id, client_id, type_id, number, issued_by, created_at, updated_at)
		VALUES ($1, $2, $3, '1234 567890', $4, $5, $5)`, fx.Org.ID, w.doomed.ID, docType, "УФМС выдал "+doomSurname, s.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSubjectRequest(ctx, &opora.SubjectRequest{ClientID: w.doomed.ID, Requester: full, Kind: "access",
		ReceivedOn: s.Today(), Details: "Просит копию сведений о " + doomSurname}); err != nil {
		t.Fatal(err)
	}
	qa, err := s.Questionnaire(ctx, w.doomed.ID)
	if err != nil {
		t.Fatal(err)
	}
	prof, edu := mustField(t, qa, "profession"), mustField(t, qa, "education")
	if err := s.SaveQuestionnaire(ctx, w.doomed.ID, map[int64][]string{prof.ID: {"повар у " + doomSurname},
		edu.ID: ids(edu.Options[0].ID)}); err != nil {
		t.Fatal(err)
	}
	serve(w.doomed, day(2026, 1, 10), "Выдано "+doomFirst)
	at(s, 2026, 2, 5)
	serve(w.doomed, day(2026, 2, 5), "")
	caseOf(w.doomed, w.caseType, day(2026, 2, 6), day(2026, 2, 20), "Паспорт для "+doomSurname)

	// The others.
	at(s, 2026, 1, 12)
	w.open = mk("Открытый", "Олег", "01.03.1970", opora.GenderMale)
	serve(w.open, day(2026, 1, 12), "")
	caseOf(w.open, w.caseType, day(2026, 1, 12), opora.Date{}, "")
	at(s, 2026, 1, 14)
	w.recent = mk("Недавний", "Роман", "01.03.1971", opora.GenderMale)
	serve(w.recent, day(2026, 1, 14), "")
	caseOf(w.recent, w.caseType, day(2026, 2, 1), day(2027, 1, 10), "")
	at(s, 2026, 1, 16)
	w.reopened = mk("Вернувшийся", "Виктор", "01.03.1972", opora.GenderMale)
	serve(w.reopened, day(2026, 1, 16), "")
	caseOf(w.reopened, w.caseType, day(2026, 1, 16), day(2026, 1, 30), "")
	at(s, 2026, 1, 18)
	w.deleted = mk("Удалённый", "Дмитрий", "", opora.GenderMale)
	w.fresh = mk("Свежеудалённый", "Фёдор", "", opora.GenderMale)
	at(s, 2029, 1, 15)
	if err := s.DeleteClient(ctx, w.deleted.ID, "дубль"); err != nil {
		t.Fatal(err)
	}
	at(s, 2029, 2, 20)
	if err := s.DeleteClient(ctx, w.fresh.ID, "дубль"); err != nil {
		t.Fatal(err)
	}
	at(s, 2029, 3, 1)
	for _, r := range []*opora.RetentionRule{
		{Name: "Документы: 3 года после закрытия", CaseTypeID: w.caseType, Trigger: opora.TriggerCaseClosed, Amount: 3,
			Unit: opora.UnitYears, Action: opora.ActionAnonymise, Active: true},
		{Name: "Удалённые карточки: 30 дней", Trigger: opora.TriggerClientDeleted, Amount: 30, Unit: opora.UnitDays,
			Action: opora.ActionDestroy, Active: true},
	} {
		if err := s.SaveRetentionRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func dueIDs(t *testing.T, s *store.Store, ctx context.Context) []int64 {
	t.Helper()
	list, err := s.DueDestructions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, d := range list {
		out = append(out, d.ClientID)
	}
	return out
}

// pastReports are reports over 2026, before the destruction, whose figures
// must not change.
func pastReports(t *testing.T, s *store.Store, ctx context.Context) []*opora.ReportResult {
	t.Helper()
	from := opora.DateOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	to := opora.DateOf(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	var out []*opora.ReportResult
	for _, q := range []*opora.ReportQuery{
		{Subject: opora.SubjectServices, Measure: opora.MeasureCount, GroupBy: []opora.Dimension{opora.DimMonth, opora.DimGender}},
		{Subject: opora.SubjectServices, Measure: opora.MeasureDistinctClients, GroupBy: []opora.Dimension{opora.DimHomeless}},
		{Subject: opora.SubjectClients, Measure: opora.MeasureCount, GroupBy: []opora.Dimension{opora.DimMonth, opora.DimGender}},
		{Subject: opora.SubjectClients, Measure: opora.MeasureCount, GroupBy: []opora.Dimension{opora.DimHomeless}},
		{Subject: opora.SubjectCases, Measure: opora.MeasureCount, GroupBy: []opora.Dimension{opora.DimCaseType}},
		{Subject: opora.SubjectClosed, Measure: opora.MeasureCount, GroupBy: []opora.Dimension{opora.DimOutcome}},
	} {
		q.From, q.To = from, to
		r, err := s.RunReport(ctx, q)
		if err != nil {
			t.Fatalf("report %s: %v", q.Subject, err)
		}
		r.Query = opora.ReportQuery{}
		out = append(out, r)
	}
	return out
}

// textColumns lists every text column of every table from the schema
// catalog, so that a table added later is scanned without changing the test.
func textColumns(t *testing.T, s *store.Store, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if s.Dialect() == store.Postgres {
		rows, err := db.Query(`SELECT c.table_name, c.column_name FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var tb, col string
			if err := rows.Scan(&tb, &col); err != nil {
				t.Fatal(err)
			}
			out[tb] = append(out[tb], col)
		}
		return out
	}
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		cols, err := db.Query(`SELECT name, type FROM pragma_table_info($1)`, tb)
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var n, typ string
			if err := cols.Scan(&n, &typ); err != nil {
				t.Fatal(err)
			}
			// Text affinity, and columns without a type (FTS tables).
			if u := strings.ToUpper(typ); u == "" || strings.Contains(u, "TEXT") || strings.Contains(u, "CHAR") ||
				strings.Contains(u, "CLOB") || strings.Contains(u, "JSON") {
				out[tb] = append(out[tb], n)
			}
		}
		cols.Close()
	}
	return out
}

// traces finds the needles in every text column of every table and
// returns "table.column" of each hit.
func traces(t *testing.T, s *store.Store, needles ...string) []string {
	t.Helper()
	db := storetest.RawDB(t, s)
	var hits []string
	for tb, cols := range textColumns(t, s, db) {
		for _, col := range cols {
			for _, n := range needles {
				var k int
				q := `SELECT COUNT(*) FROM "` + tb + `" WHERE CAST("` + col + `" AS TEXT) LIKE $1`
				if err := db.QueryRow(q, "%"+n+"%").Scan(&k); err != nil {
					t.Fatalf("%s.%s: %v", tb, col, err)
				}
				if k > 0 {
					hits = append(hits, tb+"."+col+" ("+n+")")
				}
			}
		}
	}
	return hits
}

// needles are the doomed person's name as stored anywhere: as typed, and
// as the search keys fold it.
func needles() []string {
	out := []string{doomSurname, doomFirst, doomPatr}
	return append(out, strings.Fields(store.NameKey(doomSurname+" "+doomFirst+" "+doomPatr))...)
}

// folderTraces lists the files below root holding any needle.
func folderTraces(t *testing.T, root string, needles []string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) || strings.Contains(p, n) {
				hits = append(hits, p)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return hits
}

// failingRemover is a disk that fails: the process "crashes" after the
// destruction committed and before the bytes were removed.
type failingRemover struct{}

func (failingRemover) Remove(string) error { return errors.New("disk gone") }

func TestRetentionDestroysWithoutTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRetentionWorld(t, s)
		ctx := w.ctx
		if hits := traces(t, s, needles()...); len(hits) == 0 {
			t.Fatal("the scan finds no trace of the person before the destruction: it cannot see anything")
		}
		if hits := folderTraces(t, w.root, needles()); len(hits) == 0 {
			t.Fatal("the files folder holds none of the person's files before the destruction")
		}

		// The job lists exactly the clients due.
		r, err := s.RunRetention(context.Background(), w.store)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{w.doomed.ID, w.reopened.ID, w.deleted.ID}
		if r.FilesPurged != 2 {
			t.Errorf("the photo replaced in 2026: %d files purged, want 2 (photo and thumbnail)", r.FilesPurged)
		}
		if got := dueIDs(t, s, ctx); r.Due != 3 || !sameIDs(got, want) {
			t.Fatalf("due %d: %v, want %v (open %d, recent %d, fresh %d)", r.Due, got, want, w.open.ID, w.recent.ID, w.fresh.ID)
		}
		list, _ := s.DueDestructions(ctx)
		for _, d := range list {
			if d.ClientID == w.doomed.ID && (d.Action != opora.ActionAnonymise || d.DueSince.String() != "2029-02-20") {
				t.Errorf("doomed client's due line: %+v", d)
			}
			if d.ClientID == w.deleted.ID && (d.Action != opora.ActionDestroy || d.DueSince.String() != "2029-02-14") {
				t.Errorf("deleted client's due line: %+v", d)
			}
		}

		// Bad input: a client with an open case is refused with a message;
		// a client not due is not found; no reason, no destruction.
		caseType := w.otherType
		if err := s.CreateCase(ctx, &opora.Case{ClientID: w.reopened.ID, TypeID: caseType, CuratorID: w.fx.Admin.ID,
			OpenedOn: s.Today()}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DestroyClient(ctx, w.reopened.ID, "Истёк срок", w.store); opora.FieldErrors(err)["client"] != "retention.error_open_case" {
			t.Fatalf("destroying a client with an open case: %v", err)
		}
		if c, err := s.Client(ctx, w.reopened.ID); err != nil || c.Surname != "Вернувшийся" {
			t.Fatalf("the refused client changed: %v %+v", err, c)
		}
		if _, err := s.DestroyClient(ctx, w.open.ID, "Истёк срок", w.store); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("destroying a client not due: %v", err)
		}
		if _, err := s.DestroyClient(ctx, w.doomed.ID, "  ", w.store); opora.FieldErrors(err)["reason"] == "" {
			t.Fatalf("destroying without a reason: %v", err)
		}
		_, spec := w.fx.AddUser(t, "spec", "specialist")
		if _, err := s.DestroyClient(spec, w.doomed.ID, "Истёк срок", w.store); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("a specialist destroys: %v", err)
		}

		before := pastReports(t, s, ctx)
		// The first destruction "crashes" after its commit: the bytes stay
		// queued and the next run removes them.
		d, err := s.DestroyClient(ctx, w.doomed.ID, "Истёк срок хранения (3 года)", failingRemover{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DestroyClient(ctx, w.deleted.ID, "Истёк срок хранения удалённой карточки", w.store); err != nil {
			t.Fatal(err)
		}
		// The audit rows keep who did what; their values are erased, and the
		// hash chain still verifies (each row chains its values' digest).
		if v, err := s.VerifyAudit(ctx, nil); err != nil || !v.OK || v.Erased == 0 {
			t.Fatalf("audit chain after the destruction: %v %+v", err, v)
		}
		after := pastReports(t, s, ctx)
		for i := range before {
			if !reflect.DeepEqual(before[i].Rows, after[i].Rows) || before[i].Total != after[i].Total {
				t.Errorf("report %d changed:\nbefore %+v (%v)\nafter  %+v (%v)", i, before[i].Rows, before[i].Total,
					after[i].Rows, after[i].Total)
			}
		}
		if _, err := os.Stat(filepath.Join(w.root, filepath.FromSlash(w.doomKeys[len(w.doomKeys)-1]))); err != nil {
			t.Fatalf("the crash left no file behind to remove: %v", err)
		}
		r, err = s.RunRetention(context.Background(), w.store)
		if err != nil {
			t.Fatal(err)
		}
		if r.DiskRemoved != len(w.doomKeys)-2 {
			t.Errorf("removed from disk %d, want %d", r.DiskRemoved, len(w.doomKeys)-2)
		}
		for _, k := range w.doomKeys {
			if _, err := os.Stat(filepath.Join(w.root, filepath.FromSlash(k))); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("file %s still on disk: %v", k, err)
			}
		}
		if got := dueIDs(t, s, ctx); len(got) != 0 {
			t.Errorf("still due after the destructions: %v", got)
		}

		// No trace: not in any text column of any table, not in the files.
		if hits := traces(t, s, needles()...); len(hits) > 0 {
			t.Errorf("the person's name is still in: %s", strings.Join(hits, ", "))
		}
		if hits := folderTraces(t, w.root, needles()); len(hits) > 0 {
			t.Errorf("the person's name is still in files: %v", hits)
		}
		// The client is gone for every screen; the others stay.
		if _, err := s.Client(ctx, w.doomed.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the destroyed client still opens: %v", err)
		}
		if c, err := s.Client(ctx, w.open.ID); err != nil || c.Surname != "Открытый" {
			t.Errorf("another client: %v %+v", err, c)
		}

		// The act: number, categories, reason, approver.
		act, err := s.Destruction(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if act.ClientID != w.doomed.ID || act.ApprovedName != w.fx.Admin.FullName || act.Reason != "Истёк срок хранения (3 года)" ||
			act.RuleName == "" || act.FilesRemoved != len(w.doomKeys)-2 || len(act.Categories) != len(opora.DestructionCategories(opora.ActionAnonymise)) {
			t.Errorf("act: %+v", act)
		}
		acts, _ := s.Destructions(ctx, 0)
		if len(acts) != 2 {
			t.Errorf("acts: %d", len(acts))
		}
		// Another organisation does not see the act.
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		if _, err := s.Destruction(other.Ctx(), d.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another organisation's act: %v", err)
		}
		// Three years on, the acts themselves go.
		at(s, 2032, 3, 2)
		if r, err := s.RunRetention(context.Background(), w.store); err != nil || r.ActsPurged != 2 {
			t.Errorf("acts purged after 3 years: %v %+v", err, r)
		}
	})
}

// Several rules: a client is due only when every rule that applies to it
// has run out, never with an open case; the destroy action keeps the
// reports' totals of a past period.
func TestRetentionRulesCombine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRetentionWorld(t, s)
		ctx := w.ctx
		rules, err := s.RetentionRules(ctx)
		if err != nil || len(rules) != 2 {
			t.Fatalf("rules: %v %d", err, len(rules))
		}
		for _, r := range rules {
			if r.Trigger == opora.TriggerCaseClosed {
				r.Action = opora.ActionDestroy
				if err := s.SaveRetentionRule(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Two years after the last contact, for every client: the card
		// deleted in January 2029 was touched then, so it is kept now.
		if err := s.SaveRetentionRule(ctx, &opora.RetentionRule{Name: "2 года после обращения", Trigger: opora.TriggerLastActivity,
			Amount: 2, Unit: opora.UnitYears, Action: opora.ActionAnonymise, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RunRetention(context.Background(), w.store); err != nil {
			t.Fatal(err)
		}
		if got, want := dueIDs(t, s, ctx), []int64{w.doomed.ID, w.reopened.ID}; !sameIDs(got, want) {
			t.Fatalf("due %v, want %v (deleted %d, open %d)", got, want, w.deleted.ID, w.open.ID)
		}
		before := pastReports(t, s, ctx)
		d, err := s.DestroyClient(ctx, w.doomed.ID, "Истёк срок", w.store)
		if err != nil {
			t.Fatal(err)
		}
		if d.Action != opora.ActionDestroy || !strings.Contains(strings.Join(d.Categories, ","), opora.CatAttributes) {
			t.Errorf("destruction: %+v", d)
		}
		after := pastReports(t, s, ctx)
		for i := range before {
			if before[i].Total != after[i].Total {
				t.Errorf("report %d total changed: %v → %v", i, before[i].Total, after[i].Total)
			}
		}
		var gender string
		var year sql.NullInt64
		if err := storetest.RawDB(t, s).QueryRow(`SELECT gender, birth_year FROM clients WHERE id = $1`, w.doomed.ID).Scan(&gender, &year); err != nil ||
			gender != "" || year.Valid {
			t.Errorf("destroy kept the attributes: %v %q %v", err, gender, year)
		}
		// A rule deleted is gone for its organisation.
		if err := s.DeleteRetentionRule(ctx, rules[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RetentionRule(ctx, rules[0].ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("deleted rule: %v", err)
		}
	})
}

func TestRetentionPurgesDeletedFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := s.Now
		t.Cleanup(func() { s.Now = now })
		at(s, 2029, 1, 1)
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		root := t.TempDir()
		w := &retentionWorld{fx: fx, store: files.New(root), root: filepath.Join(root, files.DirName)}
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		exists := func(k string) bool {
			_, err := os.Stat(filepath.Join(w.root, filepath.FromSlash(k)))
			return err == nil
		}
		// A photo replaced on 1 January, a scan deleted on 25 February, a
		// scan kept.
		var oldPhoto []string
		for i := range 2 {
			p, th := putFile(t, w, s, "p.jpg", []byte{'p', byte(i)}), putFile(t, w, s, "t.jpg", []byte{'t', byte(i)})
			if err := s.SetClientPhoto(ctx, c.ID, p, th); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				oldPhoto = []string{p.StorageKey, th.StorageKey}
			}
		}
		cur, _ := s.Client(ctx, c.ID)
		at(s, 2029, 2, 25)
		late := putFile(t, w, s, "a.pdf", []byte("late"))
		late.ClientID = c.ID
		kept := putFile(t, w, s, "b.pdf", []byte("kept"))
		kept.ClientID = c.ID
		for _, f := range []*opora.File{late, kept} {
			if err := s.AddClientFile(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteClientFile(ctx, c.ID, late.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := s.FileGraceDays(ctx); err != nil || n != opora.DefaultFileGraceDays {
			t.Fatalf("default grace days: %d %v", n, err)
		}
		if f := opora.FieldErrors(s.SetFileGraceDays(ctx, 0)); f["grace_days"] == "" {
			t.Errorf("grace of 0 days accepted: %v", f)
		}
		at(s, 2029, 3, 1)
		r, err := s.RunRetention(context.Background(), w.store)
		if err != nil {
			t.Fatal(err)
		}
		if r.FilesPurged != 2 || exists(oldPhoto[0]) || exists(oldPhoto[1]) {
			t.Errorf("replaced photo after 59 days: purged %d, on disk %v %v", r.FilesPurged, exists(oldPhoto[0]), exists(oldPhoto[1]))
		}
		if !exists(late.StorageKey) || !exists(kept.StorageKey) {
			t.Error("a file deleted 4 days ago or kept is gone")
		}
		if p, err := s.ClientPhoto(ctx, c.ID, false); err != nil || p.ID != cur.PhotoID || !exists(p.StorageKey) {
			t.Errorf("the current photo: %v %+v", err, p)
		}
		// A shorter grace period takes the deleted scan too.
		if err := s.SetFileGraceDays(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if r, err := s.RunRetention(context.Background(), w.store); err != nil || r.FilesPurged != 1 || exists(late.StorageKey) || !exists(kept.StorageKey) {
			t.Errorf("grace 3 days: %v %+v", err, r)
		}
		if fs, _ := s.ClientFiles(ctx, c.ID); len(fs) != 1 || fs[0].ID != kept.ID {
			t.Errorf("client files after the purge: %+v", fs)
		}
	})
}

func TestRetentionRuleValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		r := &opora.RetentionRule{Name: "x", Trigger: opora.TriggerCaseClosed, Amount: 0, Unit: "weeks", Action: "burn"}
		f := opora.FieldErrors(s.SaveRetentionRule(ctx, r))
		for _, k := range []string{"case_type_id", "amount", "unit", "action"} {
			if f[k] == "" {
				t.Errorf("no error for %s: %v", k, f)
			}
		}
		// "30 days after the consent is withdrawn": a client who withdrew
		// their only consent 31 days ago is due; one who withdrew 10 days
		// ago, or holds another consent in force, is not.
		r = &opora.RetentionRule{Name: "Отзыв согласия", Trigger: opora.TriggerConsentWithdrawn, Amount: 30, Unit: opora.UnitDays,
			Action: opora.ActionDestroy, Active: true}
		if err := s.SaveRetentionRule(ctx, r); err != nil {
			t.Fatalf("consent trigger: %v", err)
		}
		withdrawn := func(surname string, daysAgo int, another bool) *opora.Client {
			c := &opora.Client{Surname: surname, FirstName: "Тест", BranchID: fx.Branch.ID}
			if err := s.CreateClient(ctx, c); err != nil {
				t.Fatal(err)
			}
			cs := &opora.Consent{ClientID: c.ID, From: s.Today().AddDays(-100), TakenBy: fx.Admin.ID,
				Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{"ordinary"}}
			if err := s.RecordConsent(ctx, cs); err != nil {
				t.Fatal(err)
			}
			if err := s.WithdrawConsent(ctx, c.ID, cs.ID, s.Today().AddDays(-daysAgo), "отозвал"); err != nil {
				t.Fatal(err)
			}
			if another {
				if err := s.RecordConsent(ctx, &opora.Consent{ClientID: c.ID, From: s.Today().AddDays(-5), TakenBy: fx.Admin.ID,
					Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{"ordinary"}}); err != nil {
					t.Fatal(err)
				}
			}
			return c
		}
		long := withdrawn("Давний", 31, false)
		withdrawn("Недавний", 10, false)
		withdrawn("Передумавший", 31, true)
		if _, err := s.FindDueDestructions(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := dueIDs(t, s, ctx); !sameIDs(got, []int64{long.ID}) {
			t.Errorf("due after withdrawal: %v, want %v", got, []int64{long.ID})
		}
		// Another organisation's case type is refused.
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		types, _ := s.CaseDictionary(other.Ctx(), opora.DictCaseType, false)
		r = &opora.RetentionRule{Name: "x", CaseTypeID: types[0].ID, Trigger: opora.TriggerCaseClosed, Amount: 3, Unit: opora.UnitYears,
			Action: opora.ActionAnonymise, Active: true}
		if f := opora.FieldErrors(s.SaveRetentionRule(ctx, r)); f["case_type_id"] == "" {
			t.Errorf("another organisation's case type: %v", f)
		}
		if _, err := s.RetentionRules(other.Ctx()); err != nil {
			t.Fatal(err)
		}
	})
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[int64]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}
