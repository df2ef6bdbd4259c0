package store_test

import (
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// Every process keeps the questionnaire's definition in memory. A change
// made through another process serving the same database must reach the
// next page at once: above all a field made sensitive must disappear for
// workers without that permission.
func TestFormChangesReachEveryProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		other := storetest.OpenOptions(t, storetest.Options(t, s)) // a second server on the same database
		c, qa := questionnaireClient(t, s, fx)
		prof, edu := mustField(t, qa, "profession"), mustField(t, qa, "education")
		if err := s.SaveQuestionnaire(fx.Ctx(), c.ID, map[int64][]string{prof.ID: {"повар"}}); err != nil {
			t.Fatal(err)
		}
		spec, _ := fx.AddUser(t, "spec", "specialist")
		sctx := storetest.CtxOf(t, other, spec.ID)
		read := func() *store.ClientAnswers {
			t.Helper()
			qa, err := other.Questionnaire(sctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return qa
		}
		if qa := read(); qField(t, qa, "profession") == nil || qa.Answer(prof.ID).Text != "повар" {
			t.Fatal("the specialist does not see the profession")
		}
		// A caller changing what it was given does not change the next page.
		mustField(t, read(), "profession").Label = "Испорчено"
		if got := mustField(t, read(), "profession").Label; got == "Испорчено" {
			t.Fatal("a caller's change reached the shared definition")
		}

		// The administrator, on the first server, marks the field as health data.
		prof.Sensitivity = opora.SensitiveHealth
		if err := s.UpdateField(fx.Ctx(), prof); err != nil {
			t.Fatal(err)
		}
		if qa := read(); qField(t, qa, "profession") != nil || qa.Answer(prof.ID) != nil {
			t.Fatal("the other server still shows the field made sensitive to the specialist")
		}
		// A new option, a renamed section: seen on the other server's next page.
		if err := s.CreateOption(fx.Ctx(), &opora.FieldOption{FieldID: edu.ID, Label: "Курсы"}); err != nil {
			t.Fatal(err)
		}
		optionID(t, mustField(t, read(), "education"), "Курсы")
		sec, err := s.Section(fx.Ctx(), edu.SectionID)
		if err != nil {
			t.Fatal(err)
		}
		sec.Title = "Образование и работа"
		if err := s.UpdateSection(fx.Ctx(), sec); err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, sc := range read().Form.Sections {
			titles = append(titles, sc.Title)
		}
		found := false
		for _, ti := range titles {
			found = found || ti == "Образование и работа"
		}
		if !found {
			t.Fatalf("sections on the other server: %q", titles)
		}
	})
}
