package store_test

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestPersonReportCoversEveryTable: every table with a client_id or a
// family_id column is read by the person's report or excluded with a
// reason, so a new kind of record about a person cannot be forgotten.
func TestPersonReportCoversEveryTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		sc := readSchema(t, s)
		read := store.PersonTables()
		var missing []string
		for table, cols := range sc.tables {
			_, client := cols["client_id"]
			_, family := cols["family_id"]
			if (client || family) && !read[table] && store.PersonExcluded[table] == "" {
				missing = append(missing, table)
			}
		}
		for table := range read {
			if sc.tables[table] == nil {
				missing = append(missing, table+" (read but not in the schema)")
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Fatalf("tables about a person neither read by the person's report nor excluded: %v", missing)
		}
	})
}

func TestPersonReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, mother := createFamily(t, s, n)
		ctx := n.kdn.Ctx() // the КДН's administrator: privacy.manage
		if err := s.CreateNote(n.secretary, &opora.Note{ClientID: mother.ID,
			Body: "Мария рассказала, что муж Сергей Иванов не работает"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ViewClient(n.secretary, mother.ID, "profile"); err != nil {
			t.Fatal(err)
		}
		// A life event of hers (the report reads life_events).
		if _, err := storetest.RawDB(t, s).Exec(`INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, note, created_at)
			VALUES ($1, $2, $3, 'job_loss', $4, 'Сократили на заводе', $5)`, n.kdn.Org.ID, mother.ID, f.ID, s.Today(), s.Now()); err != nil {
			t.Fatal(err)
		}
		rep, err := s.PersonReport(ctx, mother.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep)
		text := string(b)
		// The person's own data is there, the others' names are not.
		for _, want := range []string{"Иванова", "Мария", "не работает", "ул. Ленина, 5", "Ранние трудности", "Сократили на заводе", opora.Masked} {
			if !strings.Contains(text, want) {
				t.Errorf("the report lacks %q", want)
			}
		}
		for _, other := range []string{"Сергей", "Пётр", "Анна"} {
			if strings.Contains(text, other) {
				t.Errorf("the report names another person: %q", other)
			}
		}
		sections := map[string]*opora.PersonSection{}
		for _, sec := range rep.Sections {
			sections[sec.Key] = sec
		}
		if sections["notes"] == nil || sections["families"] == nil || sections["timeline"] == nil || sections["life_events"] == nil {
			t.Fatalf("sections: %v", keys(sections))
		}
		if got := sections["families"].Rows[0]; !strings.Contains(strings.Join(got, "|"), "mother") {
			t.Errorf("family row %v", got)
		}
		viewed := false
		for _, v := range rep.Views {
			viewed = viewed || v.Action == opora.ActionView && v.Section == "profile" && v.Organisation == "КДН района"
		}
		if !viewed {
			t.Errorf("the secretary's view is not in the report: %+v", rep.Views)
		}
		if rep.Organisation != "КДН района" {
			t.Errorf("organisation %q", rep.Organisation)
		}
		_ = f
		// The report itself is audit-logged.
		again, err := s.PersonReport(ctx, mother.ID)
		if err != nil {
			t.Fatal(err)
		}
		printed := false
		for _, v := range again.Views {
			printed = printed || v.Action == opora.ActionPrint && v.Section == "person_report"
		}
		if !printed {
			t.Error("making the report left no audit row")
		}
		// A curator without privacy.manage may not; another organisation
		// does not find the person.
		if _, err := s.PersonReport(n.curatorACtx, mother.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("curator: %v", err)
		}
		if _, err := s.PersonReport(n.kcson.Ctx(), mother.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another organisation: %v", err)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSubjectRequests(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := addClient(t, s, ctx, fx.Branch.ID, "Петров", "Иван", "", "1970")
		// Friday 4 December 2026: ten working days end on Friday 18 December.
		fri, _ := opora.ParseDate("04.12.2026")
		r := &opora.SubjectRequest{ClientID: c.ID, Requester: " Петров Иван ", Kind: "access", ReceivedOn: fri}
		if err := s.CreateSubjectRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.DueOn.Format("02.01.2006") != "18.12.2026" {
			t.Errorf("due %s", r.DueOn.Format("02.01.2006"))
		}
		bad := &opora.SubjectRequest{Kind: "gossip", ReceivedOn: s.Today().AddDays(3)}
		fe := opora.FieldErrors(s.CreateSubjectRequest(ctx, bad))
		if fe["requester"] == "" || fe["kind"] == "" || fe["received_on"] != "error.date_future" {
			t.Errorf("bad request: %v", fe)
		}
		if fe := opora.FieldErrors(s.AnswerSubjectRequest(ctx, r.ID, s.Today(), " ")); fe["answer"] != "error.required" {
			t.Errorf("empty answer: %v", fe)
		}
		if err := s.AnswerSubjectRequest(ctx, r.ID, s.Today(), "Выдан отчёт о данных"); err != nil {
			t.Fatal(err)
		}
		if fe := opora.FieldErrors(s.AnswerSubjectRequest(ctx, r.ID, s.Today(), "ещё раз")); fe["answer"] != "privacy.error.answered" {
			t.Errorf("second answer: %v", fe)
		}
		list, err := s.SubjectRequests(ctx)
		if err != nil || len(list) != 1 || list[0].Open() || list[0].Answer != "Выдан отчёт о данных" ||
			list[0].ClientName != "Петров Иван" || list[0].AnsweredByName != fx.Admin.FullName {
			t.Fatalf("list %v %+v", err, list)
		}
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		if _, err := s.SubjectRequest(other.Ctx(), r.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another organisation: %v", err)
		}
		if err := s.CreateSubjectRequest(other.Ctx(), &opora.SubjectRequest{ClientID: c.ID, Requester: "x", Kind: "access",
			ReceivedOn: s.Today()}); opora.FieldErrors(err)["client"] == "" {
			t.Errorf("another organisation's client: %v", err)
		}
	})
}
