package store_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestDocTemplates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		// Every new organisation gets the three defaults, and they parse.
		ts, err := s.DocTemplates(ctx, true)
		if err != nil || len(ts) != 3 {
			t.Fatalf("seeded templates: %v %d", err, len(ts))
		}
		titles := ""
		for _, tp := range ts {
			titles += tp.Title + "|"
			if err := opora.CheckTemplate(tp.Body); err != nil {
				t.Fatalf("seeded %q: %v", tp.Title, err)
			}
		}
		for _, want := range []string{"Справка о регистрации", "Направление в поликлинику", "Письмо в государственный орган"} {
			if !strings.Contains(titles, want) {
				t.Fatalf("no %q in %s", want, titles)
			}
		}
		// An organisation from before the feature (no templates) gets them
		// at the next start, once.
		old := storetest.AddOrg(t, s, ctx, "Старая")
		if _, err := storetest.RawDB(t, s).Exec(`DELETE FROM doc_templates WHERE organisation_id = $1`, old.Org.ID); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.SeedMissing(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if ots, err := s.DocTemplates(old.Ctx(), true); err != nil || len(ots) != 3 {
			t.Fatalf("existing organisation: %v %d", err, len(ots))
		}

		// Unknown fields and code are refused with the line and the text.
		for _, c := range []struct{ body, key, token string }{
			{"Строка\n{{клиент.фамилиё}}", "doctemplate.err_unknown", "{{клиент.фамилиё}}"},
			{"A\nB\n{{call .X}}", "doctemplate.err_code", "{{call .X}}"},
			{"{{range .}}x{{end}}", "doctemplate.err_code", "{{range .}}"},
			{"{{клиент.фио", "doctemplate.err_unclosed", "{{клиент.фио"},
			{"<script>{{.}}</script>", "doctemplate.err_code", "{{.}}"},
		} {
			tp := &opora.DocTemplate{Title: "Проба", Body: c.body}
			err := s.SaveDocTemplate(ctx, tp)
			e, _ := err.(*opora.Error)
			if opora.FieldErrors(err)["body"] != c.key || e == nil || e.Args["Token"] != c.token {
				t.Fatalf("%q: %v %+v", c.body, err, e)
			}
			if tp.ID != 0 {
				t.Fatalf("%q saved", c.body)
			}
		}
		e := func() *opora.Error {
			err := s.SaveDocTemplate(ctx, &opora.DocTemplate{Title: "Проба", Body: "A\nB\n{{call .X}}"})
			return err.(*opora.Error)
		}()
		if e.Args["Line"] != "3" {
			t.Fatalf("line: %+v", e.Args)
		}
		ts2, _ := s.DocTemplates(ctx, true)
		if len(ts2) != 3 {
			t.Fatalf("a refused template was saved: %d", len(ts2))
		}

		// A worker issues a certificate: numbered, stored as issued.
		_, worker := fx.AddUser(t, "worker", "specialist")
		c := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		tpl := &opora.DocTemplate{Title: "Справка", Body: "# СПРАВКА\n\nВыдана {{клиент.фио}}, {{клиент.дата_рождения}}.\n{{документ.номер}}"}
		if err := s.SaveDocTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveDocTemplate(worker, &opora.DocTemplate{Title: "x", Body: "y"}); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Fatalf("worker edits a template: %v", err)
		}
		prev, err := s.PreviewDocument(worker, store.DocChoice{ClientID: c.ID, TemplateID: tpl.ID})
		if err != nil || !strings.Contains(prev.Text, "Выдана Иванов Пётр Сергеевич, 01.02.1975.") {
			t.Fatalf("preview: %v %+v", err, prev)
		}
		d, err := s.IssueDocument(worker, store.DocChoice{ClientID: c.ID, TemplateID: tpl.ID})
		year := s.Today().Year()
		if err != nil || d.Seq != 1 || d.Number != opora.DocNumber(1, year) || !strings.Contains(d.Text, d.Number) {
			t.Fatalf("issue: %v %+v", err, d)
		}
		// The person's name and the template change; the reprint does not.
		c.Surname = "Петров"
		if err := s.UpdateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		tpl.Body = "Совсем другой текст"
		if err := s.SaveDocTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		again, err := s.IssuedDocument(worker, c.ID, d.ID, "pdf")
		if err != nil || again.Text != d.Text || !strings.Contains(again.Text, "Иванов Пётр") || again.Number != d.Number {
			t.Fatalf("reprint: %v %+v", err, again)
		}
		list, err := s.ClientIssuedDocuments(worker, c.ID)
		if err != nil || len(list) != 1 || list[0].ID != d.ID || list[0].CreatedByName != "User worker" {
			t.Fatalf("list: %v %+v", err, list)
		}
		tl, err := s.Timeline(worker, c.ID, []string{opora.EventIssuedDocument}, 0, 10)
		if err != nil || len(tl) != 1 || !strings.Contains(tl[0].Summary, d.Number) {
			t.Fatalf("timeline: %v %+v", err, tl)
		}
		var audits int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'issued_document' AND entity_id = $1 AND action = 'create'`,
			d.ID).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("issue audit: %v %d", err, audits)
		}
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'client' AND entity_id = $1 AND action = 'view'
			AND section LIKE 'issued_document %'`, c.ID).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("print audit: %v %d", err, audits)
		}

		// Another organisation sees nothing: not the document, not the template.
		other := old
		if _, err := s.IssuedDocument(other.Ctx(), c.ID, d.ID, "html"); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other org reads: %v", err)
		}
		if _, err := s.IssueDocument(other.Ctx(), store.DocChoice{ClientID: c.ID, TemplateID: tpl.ID}); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other org issues: %v", err)
		}
		if _, err := s.DocTemplate(other.Ctx(), tpl.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other org template: %v", err)
		}
		if _, err := s.ClientIssuedDocuments(other.Ctx(), c.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other org list: %v", err)
		}
		// Its own numbers start at 1.
		oc := addClient(t, s, other.Ctx(), other.Branch.ID, "Сидоров", "Олег", "", "1970")
		ots, _ := s.DocTemplates(other.Ctx(), false)
		od, err := s.IssueDocument(other.Ctx(), store.DocChoice{ClientID: oc.ID, TemplateID: ots[0].ID})
		if err != nil || od.Seq != 1 {
			t.Fatalf("other org's first number: %v %+v", err, od)
		}
	})
}

// TestDocNumbersConcurrent: documents issued at once get numbers 1…N of
// the year, each once, no gaps.
func TestDocNumbersConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "", "1975")
		ts, err := s.DocTemplates(ctx, false)
		if err != nil || len(ts) == 0 {
			t.Fatal(err)
		}
		const n = 24
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[int]int{}
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(ctx context.Context) {
				defer wg.Done()
				d, err := s.IssueDocument(ctx, store.DocChoice{ClientID: c.ID, TemplateID: ts[0].ID})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[d.Seq]++
				mu.Unlock()
			}(ctx)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := 1; i <= n; i++ {
			if seen[i] != 1 {
				t.Fatalf("number %d issued %d times: %v", i, seen[i], seen)
			}
		}
		var max, count int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT MAX(seq), COUNT(*) FROM issued_documents WHERE organisation_id = $1`,
			fx.Org.ID).Scan(&max, &count); err != nil || max != n || count != n {
			t.Fatalf("stored: %v max %d count %d", err, max, count)
		}
	})
}

// TestDocCaseAndFamily: a document names the client's case and family
// card; a case of another person or a card the person is not on is not
// found, and nothing is numbered for it.
func TestDocCaseAndFamily(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, mother := createFamily(t, s, n)
		tpl := &opora.DocTemplate{Title: "Письмо о семье", NeedsFamily: true, NeedsCase: true,
			Body: "Семья № {{семья.номер}}, адрес: {{семья.адрес}}. Случай № {{случай.номер}} ({{случай.тип}}) с {{случай.открыт}}."}
		if err := s.SaveDocTemplate(n.kdn.Ctx(), tpl); err != nil {
			t.Fatal(err)
		}
		caseTypes, err := s.CaseDictionary(n.secretary, opora.DictCaseType, false)
		if err != nil || len(caseTypes) == 0 {
			t.Fatalf("case types: %v", err)
		}
		k := &opora.Case{ClientID: mother.ID, TypeID: caseTypes[0].ID, CuratorID: n.kdn.Admin.ID, OpenedOn: s.Today()}
		if err := s.CreateCase(n.secretary, k, 0); err != nil {
			t.Fatal(err)
		}
		loner := addClient(t, s, n.secretary, n.kdn.Branch.ID, "Сидоров", "Олег", "", "01.02.1970")
		for _, ch := range []store.DocChoice{
			{ClientID: loner.ID, TemplateID: tpl.ID, CaseID: k.ID},         // another person's case
			{ClientID: loner.ID, TemplateID: tpl.ID, FamilyID: f.ID},       // a card the person is not on
			{ClientID: mother.ID, TemplateID: tpl.ID, CaseID: k.ID + 1000}, // no such case
		} {
			if _, err := s.IssueDocument(n.secretary, ch); opora.ErrorCode(err) != opora.ENOTFOUND {
				t.Fatalf("%+v: %v", ch, err)
			}
		}
		d, err := s.IssueDocument(n.secretary, store.DocChoice{ClientID: mother.ID, TemplateID: tpl.ID, CaseID: k.ID, FamilyID: f.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := "Семья № " + strconv.FormatInt(f.ID, 10) + ", адрес: ул. Ленина, 5, кв. 12. Случай № " + strconv.FormatInt(k.ID, 10) +
			" (" + caseTypes[0].Label + ") с " + s.Today().Format("02.01.2006") + "."
		if d.Text != want || d.Seq != 1 || d.CaseID != k.ID || d.FamilyID != f.ID {
			t.Fatalf("got %q (seq %d), want %q", d.Text, d.Seq, want)
		}
	})
}

// TestVoidIssuedDocument: a document issued by mistake is voided with a
// reason; it stays on the list marked voided, reads back with the date,
// the worker and the reason, its number is not given again; the timeline
// and the audit log have the voiding (the reason, never the text). An
// empty reason, a second voiding, another organisation and a worker
// without client.write are refused, and nothing changes.
func TestVoidIssuedDocument(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		_, worker := fx.AddUser(t, "worker", "specialist")
		_, duty := fx.AddUser(t, "duty", "duty")
		c := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		tpl := &opora.DocTemplate{Title: "Справка", Body: "# СПРАВКА\n\nВыдана {{клиент.фио}}.\n{{документ.номер}}"}
		if err := s.SaveDocTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		d, err := s.IssueDocument(worker, store.DocChoice{ClientID: c.ID, TemplateID: tpl.ID})
		if err != nil {
			t.Fatal(err)
		}
		year := s.Today().Year()
		stillValid := func(why string) {
			t.Helper()
			got, err := s.IssuedDocument(worker, c.ID, d.ID, "html")
			if err != nil || got.Voided() || got.VoidReason != "" {
				t.Fatalf("%s: the document changed: %v %+v", why, err, got)
			}
		}
		for _, reason := range []string{"", "   \n "} {
			_, err := s.VoidIssuedDocument(worker, c.ID, d.ID, reason)
			if opora.FieldErrors(err)["reason"] != "doc.error.void_reason" {
				t.Fatalf("reason %q: %v", reason, err)
			}
			stillValid("empty reason")
		}
		if _, err := s.VoidIssuedDocument(worker, c.ID, d.ID, strings.Repeat("я", opora.MaxVoidReason+1)); opora.FieldErrors(err)["reason"] != "doc.error.void_reason_long" {
			t.Fatalf("long reason: %v", err)
		}
		if _, err := s.VoidIssuedDocument(duty, c.ID, d.ID, "ошибка"); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Fatalf("duty worker voids: %v", err)
		}
		other := storetest.AddOrg(t, s, ctx, "Другая")
		if _, err := s.VoidIssuedDocument(other.Ctx(), c.ID, d.ID, "ошибка"); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other organisation voids: %v", err)
		}
		// The document of one client named under another: not found.
		c2 := addClient(t, s, ctx, fx.Branch.ID, "Петров", "Олег", "", "1970")
		if _, err := s.VoidIssuedDocument(worker, c2.ID, d.ID, "ошибка"); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("through another client: %v", err)
		}
		stillValid("refused voidings")

		const reason = "Выдана не тому человеку"
		v, err := s.VoidIssuedDocument(worker, c.ID, d.ID, "  "+reason+" ")
		if err != nil || !v.Voided() || v.VoidReason != reason {
			t.Fatalf("void: %v %+v", err, v)
		}
		got, err := s.IssuedDocument(worker, c.ID, d.ID, "pdf")
		if err != nil || !got.Voided() || got.VoidReason != reason || got.VoidedByName != "User worker" || got.Text != d.Text ||
			got.Number != opora.DocNumber(1, year) {
			t.Fatalf("read back: %v %+v", err, got)
		}
		if m := got.VoidMark(); !strings.HasPrefix(m, "АННУЛИРОВАН "+s.Today().Format("02.01.2006")) || !strings.Contains(m, reason) {
			t.Fatalf("mark: %q", m)
		}
		if _, err := s.VoidIssuedDocument(worker, c.ID, d.ID, "ещё раз"); opora.ErrorCode(err) != opora.ECONFLICT ||
			opora.ErrorMessage(err) != "doc.error.already_voided" {
			t.Fatalf("voided twice: %v", err)
		}
		if again, _ := s.IssuedDocument(worker, c.ID, d.ID, "html"); again.VoidReason != reason {
			t.Fatalf("the second voiding changed the reason: %q", again.VoidReason)
		}
		// The number is not reused: the next document takes 2.
		d2, err := s.IssueDocument(worker, store.DocChoice{ClientID: c.ID, TemplateID: tpl.ID})
		if err != nil || d2.Seq != 2 {
			t.Fatalf("next issue: %v %+v", err, d2)
		}
		list, err := s.ClientIssuedDocuments(worker, c.ID)
		if err != nil || len(list) != 2 || list[0].ID != d2.ID || list[0].Voided() || list[1].ID != d.ID || !list[1].Voided() {
			t.Fatalf("list: %v %+v", err, list)
		}
		tl, err := s.Timeline(worker, c.ID, []string{opora.EventVoidedDocument}, 0, 10)
		if err != nil || len(tl) != 1 || !strings.Contains(tl[0].Summary, d.Number) || len(tl[0].Changes) != 1 ||
			tl[0].Changes[0].New != reason || tl[0].UserName != "User worker" {
			t.Fatalf("timeline: %v %+v", err, tl)
		}
		var changes string
		var n int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*), MAX(changes) FROM audit_log WHERE entity = 'issued_document'
			AND entity_id = $1 AND action = 'void'`, d.ID).Scan(&n, &changes); err != nil || n != 1 {
			t.Fatalf("void audit: %v %d", err, n)
		}
		if !strings.Contains(changes, reason) || !strings.Contains(changes, d.Number) || strings.Contains(changes, "Выдана Иванов") {
			t.Fatalf("void audit changes: %s", changes)
		}
	})
}
