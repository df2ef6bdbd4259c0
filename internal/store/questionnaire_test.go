package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// qField finds a field of the client's questionnaire by key.
func qField(t *testing.T, qa *store.ClientAnswers, key string) *opora.FormField {
	t.Helper()
	for _, f := range qa.Form.Fields() {
		if f.Key == key {
			return f
		}
	}
	return nil
}

func mustField(t *testing.T, qa *store.ClientAnswers, key string) *opora.FormField {
	t.Helper()
	f := qField(t, qa, key)
	if f == nil {
		t.Fatalf("questionnaire has no field %q", key)
	}
	return f
}

func optionID(t *testing.T, f *opora.FormField, label string) int64 {
	t.Helper()
	for _, o := range f.Options {
		if o.Label == label {
			return o.ID
		}
	}
	t.Fatalf("field %q has no option %q", f.Key, label)
	return 0
}

func ids(ids ...int64) []string {
	var out []string
	for _, id := range ids {
		out = append(out, idStr(id))
	}
	return out
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func questionnaireClient(t *testing.T, s *store.Store, fx *storetest.Fixture) (*opora.Client, *store.ClientAnswers) {
	t.Helper()
	c := newClient(fx.Branch.ID)
	if err := s.CreateClient(fx.Ctx(), c); err != nil {
		t.Fatal(err)
	}
	qa, err := s.Questionnaire(fx.Ctx(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c, qa
}

func TestQuestionnaireSeeded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		_, qa := questionnaireClient(t, s, fx)
		if qa.Form.Key != opora.ProfileFormKey || len(qa.Form.Sections) < 5 {
			t.Fatalf("profile form: %q with %d sections", qa.Form.Key, len(qa.Form.Sections))
		}
		if n := len(mustField(t, qa, "homeless_reason").Options); n != 20 {
			t.Errorf("homeless reasons: %d options", n)
		}
		dep, aw := mustField(t, qa, "dependency"), mustField(t, qa, "dependency_awareness")
		if aw.ShowIfFieldID != dep.ID || aw.ShowIfOptionID != optionID(t, dep, "Нет") || !aw.ShowIfNot ||
			aw.Sensitivity != opora.SensitiveAddiction || aw.SectionID != dep.SectionID {
			t.Errorf("awareness condition: %+v", aw)
		}
		if d := mustField(t, qa, "diseases"); d.Type != opora.FieldMultiChoice || d.Sensitivity != opora.SensitiveHealth || len(d.Options) != 6 {
			t.Errorf("diseases: %+v", d)
		}
		forms, err := s.Forms(ctx)
		if err != nil || len(forms) != 2 || !forms[1].Repeatable || forms[1].Key != "follow_up" {
			t.Fatalf("forms: %v %+v", err, forms)
		}
		// Seeding again (Migrate at every start) adds nothing.
		if err := s.SeedMissing(context.Background()); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.Forms(ctx); len(again) != 2 {
			t.Fatalf("seeded twice: %d forms", len(again))
		}
		// A new organisation gets its own copy.
		fb := storetest.AddOrg(t, s, ctx, "Другая НКО")
		other, err := s.Forms(fb.Ctx())
		if err != nil || len(other) != 2 || other[0].ID == forms[0].ID {
			t.Fatalf("other organisation's forms: %v %+v", err, other)
		}
		// Another organisation's form is not found.
		if _, err := s.EditorForm(fb.Ctx(), forms[0].ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other organisation's form: %v", err)
		}
	})
}

func TestQuestionnaireChangesKeepAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c, qa := questionnaireClient(t, s, fx)
		edu, prof, since := mustField(t, qa, "education"), mustField(t, qa, "profession"), mustField(t, qa, "homeless_since")
		higher := optionID(t, edu, "Высшее")
		raw := map[int64][]string{edu.ID: ids(higher), prof.ID: {"повар"}, since.ID: {"03.2021"}}
		if err := s.SaveQuestionnaire(ctx, c.ID, raw); err != nil {
			t.Fatal(err)
		}
		// Rename and move the field, rename and move the option.
		edu.Label = "Уровень образования"
		if err := s.UpdateField(ctx, edu); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveField(ctx, edu.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateOption(ctx, &opora.FieldOption{ID: higher, Label: "Высшее образование"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveOption(ctx, higher, true); err != nil {
			t.Fatal(err)
		}
		sec, _ := s.Section(ctx, edu.SectionID)
		if err := s.MoveSection(ctx, sec.ID, true); err != nil {
			t.Fatal(err)
		}
		qa, err := s.Questionnaire(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		edu2 := mustField(t, qa, "education")
		if edu2.Label != "Уровень образования" || !qa.Answer(edu.ID).Has(higher) || edu2.Option(higher).Label != "Высшее образование" {
			t.Fatalf("after renames: %+v %+v", edu2, qa.Answer(edu.ID))
		}
		if a := qa.Answer(since.ID); a.Date != opora.NewDate(2021, time.March, 1) {
			t.Fatalf("month: %+v", a)
		}
		// The type cannot change once answered.
		edu2.Type = opora.FieldText
		if err := s.UpdateField(ctx, edu2); opora.FieldErrors(err)["type"] == "" {
			t.Fatalf("type change with answers: %v", err)
		}
		// Disabling the field keeps the answer; the field shows as disabled.
		prof.Disabled = true
		if err := s.UpdateField(ctx, prof); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if p := mustField(t, qa, "profession"); !p.Disabled || qa.Answer(p.ID).Text != "повар" {
			t.Fatalf("disabled field: %+v %+v", p, qa.Answer(p.ID))
		}
		// Saving again without the disabled field does not erase it.
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{edu.ID: ids(higher)}); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if qa.Answer(prof.ID).Text != "повар" || !qa.Answer(since.ID).Empty() {
			t.Fatalf("after save: profession %+v, month %+v", qa.Answer(prof.ID), qa.Answer(since.ID))
		}
		// A disabled section keeps its answers too.
		sec.Disabled = true
		if err := s.UpdateSection(ctx, sec); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if !qa.Answer(edu.ID).Has(higher) {
			t.Fatal("disabled section lost its answer")
		}
	})
}

func TestQuestionnaireValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c, qa := questionnaireClient(t, s, fx)
		dep, aw := mustField(t, qa, "dependency"), mustField(t, qa, "dependency_awareness")
		dis, since := mustField(t, qa, "diseases"), mustField(t, qa, "homeless_since")
		reason := mustField(t, qa, "homeless_reason")
		bad := map[int64][]string{since.ID: {"13.2020"}, reason.ID: {"999999"}, dep.ID: ids(optionID(t, dep, "Алкоголь"))}
		err := s.SaveQuestionnaire(ctx, c.ID, bad)
		fe := opora.FieldErrors(err)
		if fe["f"+idStr(since.ID)] != "questionnaire.error.month" || fe["f"+idStr(reason.ID)] != "error.invalid_choice" {
			t.Fatalf("bad values: %v", err)
		}
		// Another field's option is not a valid choice either.
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{reason.ID: ids(optionID(t, dep, "Алкоголь"))}); err == nil {
			t.Fatal("an option of another field was accepted")
		}
		// Conditional: awareness is kept only while dependency is not "none".
		alc, none := optionID(t, dep, "Алкоголь"), optionID(t, dep, "Нет")
		aware := optionID(t, aw, "Осознаёт")
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(alc), aw.ID: ids(aware)}); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if !qa.Answer(aw.ID).Has(aware) {
			t.Fatal("awareness not saved")
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(none), aw.ID: ids(aware)}); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if !qa.Answer(aw.ID).Empty() {
			t.Fatal("hidden awareness kept its answer")
		}
		// Required: a hidden required field is not required.
		aw.Required = true
		if err := s.UpdateField(ctx, aw); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(none)}); err != nil {
			t.Fatalf("hidden required field: %v", err)
		}
		err = s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(alc)})
		if opora.FieldErrors(err)["f"+idStr(aw.ID)] != "error.required" {
			t.Fatalf("shown required field: %v", err)
		}
		// Multiple choice: "cannot be the only answer".
		other := optionID(t, dis, "Другое")
		if err := s.UpdateOption(ctx, &opora.FieldOption{ID: other, Label: "Другое", NotAlone: true}); err != nil {
			t.Fatal(err)
		}
		err = s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(none), dis.ID: ids(other)})
		if opora.FieldErrors(err)["f"+idStr(dis.ID)] != "questionnaire.error.not_alone" {
			t.Fatalf("not alone: %v", err)
		}
		hiv := optionID(t, dis, "ВИЧ")
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(none), dis.ID: ids(other, hiv)}); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if a := qa.Answer(dis.ID); len(a.OptionIDs) != 2 || a.OptionIDs[0] != hiv {
			t.Fatalf("multiple choice: %+v", a)
		}
		// A disabled option is refused for new answers but kept where chosen.
		if err := s.UpdateOption(ctx, &opora.FieldOption{ID: hiv, Label: "ВИЧ", Disabled: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dep.ID: ids(none), dis.ID: ids(other, hiv)}); err != nil {
			t.Fatalf("re-saving a disabled option: %v", err)
		}
	})
}

func TestQuestionnaireSensitiveAndConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c, qa := questionnaireClient(t, s, fx)
		dis, prof := mustField(t, qa, "diseases"), mustField(t, qa, "profession")
		hiv := optionID(t, dis, "ВИЧ")
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv), prof.ID: {"повар"}}); err != nil {
			t.Fatal(err)
		}
		// A specialist sees neither the field nor the answer, and saving keeps it.
		_, sctx := fx.AddUser(t, "spec", "specialist")
		sqa, err := s.Questionnaire(sctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if qField(t, sqa, "diseases") != nil || sqa.Answer(dis.ID) != nil {
			t.Fatal("the specialist sees the diseases field")
		}
		if err := s.SaveQuestionnaire(sctx, c.ID, map[int64][]string{prof.ID: {"пекарь"}, dis.ID: nil}); err != nil {
			t.Fatal(err)
		}
		qa, _ = s.Questionnaire(ctx, c.ID)
		if !qa.Answer(dis.ID).Has(hiv) || qa.Answer(prof.ID).Text != "пекарь" {
			t.Fatalf("after the specialist's save: %+v %+v", qa.Answer(dis.ID), qa.Answer(prof.ID))
		}
		// The specialist's timeline has no health lines; the administrator's has.
		events, err := s.Timeline(sctx, c.ID, []string{opora.EventQuestionnaire}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Sensitivity != opora.Ordinary || e.Summary == "Заболевания" {
				t.Fatalf("specialist timeline: %+v", e)
			}
		}
		all, _ := s.Timeline(ctx, c.ID, []string{opora.EventQuestionnaire}, 0, 50)
		var health int
		for _, e := range all {
			if e.Sensitivity == opora.SensitiveHealth {
				health++
			}
		}
		if health != 1 || len(all) != 3 {
			t.Fatalf("administrator timeline: %d events, %d health", len(all), health)
		}
		// The audit row names the sensitive field without its value.
		entries, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "client", EntityID: c.ID, Action: opora.ActionUpdate, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			for _, ch := range e.Changes {
				if ch.Field == "Заболевания" && (!ch.Sensitive || ch.New != "") {
					t.Fatalf("sensitive audit change: %+v", ch)
				}
			}
		}
		// With consent required, sensitive answers wait for the consent.
		org, _ := s.Organisation(ctx, fx.Org.ID)
		org.ConsentRequired = true
		if err := s.UpdateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		if org, _ = s.Organisation(ctx, fx.Org.ID); !org.ConsentRequired {
			t.Fatal("consent setting not saved")
		}
		tb := optionID(t, dis, "Туберкулёз")
		err = s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv, tb), prof.ID: {"пекарь"}})
		if opora.ErrorMessage(err) != "questionnaire.error.consent" || opora.FieldErrors(err)["f"+idStr(dis.ID)] == "" {
			t.Fatalf("without consent: %v", err)
		}
		// Unchanged sensitive answers do not block ordinary changes.
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv), prof.ID: {"повар"}}); err != nil {
			t.Fatalf("ordinary change without consent: %v", err)
		}
	})
}

func TestFormFillings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c, _ := questionnaireClient(t, s, fx)
		forms, _ := s.Forms(ctx)
		follow := forms[1]
		blank, err := s.BlankFilling(ctx, c.ID, follow.ID)
		if err != nil {
			t.Fatal(err)
		}
		period, housing := mustField(t, blank, "follow_up_period"), mustField(t, blank, "follow_up_housing")
		// Period is required; the date must be real.
		_, err = s.CreateFilling(ctx, c.ID, follow.ID, opora.Date{}, nil)
		if fe := opora.FieldErrors(err); fe["filled_on"] == "" || fe["f"+idStr(period.ID)] != "error.required" {
			t.Fatalf("empty filling: %v", err)
		}
		d3 := opora.NewDate(2024, time.April, 1)
		d6 := opora.NewDate(2024, time.July, 1)
		id3, err := s.CreateFilling(ctx, c.ID, follow.ID, d3, map[int64][]string{period.ID: ids(optionID(t, period, "3 месяца")),
			housing.ID: ids(optionID(t, housing, "Съёмное жильё"))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateFilling(ctx, c.ID, follow.ID, d6, map[int64][]string{period.ID: ids(optionID(t, period, "6 месяцев"))}); err != nil {
			t.Fatal(err)
		}
		list, err := s.ClientFillings(ctx, c.ID)
		if err != nil || len(list) != 2 || !list[0].FilledOn.Equal(d6) || !list[1].FilledOn.Equal(d3) || list[1].CreatedByName == "" {
			t.Fatalf("fillings: %v %+v", err, list)
		}
		// Editing a filling changes its date and answers only.
		d3b := opora.NewDate(2024, time.April, 2)
		if err := s.UpdateFilling(ctx, c.ID, id3, d3b, map[int64][]string{period.ID: ids(optionID(t, period, "3 месяца"))}); err != nil {
			t.Fatal(err)
		}
		f3, err := s.Filling(ctx, c.ID, id3)
		if err != nil || !f3.Filling.FilledOn.Equal(d3b) || !f3.Answer(housing.ID).Empty() || f3.Answer(period.ID).Empty() {
			t.Fatalf("filling after edit: %v %+v", err, f3)
		}
		// The main questionnaire has no answers from fillings.
		qa, _ := s.Questionnaire(ctx, c.ID)
		if len(qa.Answers) != 0 {
			t.Fatalf("fillings leaked into the questionnaire: %+v", qa.Answers)
		}
		// The main questionnaire is not a repeatable form.
		if _, err := s.CreateFilling(ctx, c.ID, forms[0].ID, d3, nil); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("filling the main questionnaire: %v", err)
		}
		// Another organisation sees nothing.
		fb := storetest.AddOrg(t, s, ctx, "Другая НКО")
		if _, err := s.Filling(fb.Ctx(), c.ID, id3); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other organisation: %v", err)
		}
		if _, err := s.CreateFilling(fb.Ctx(), c.ID, follow.ID, d3, nil); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other organisation create: %v", err)
		}
		// A new repeatable form with a section and a field works the same way.
		nf := &opora.Form{Name: "Психологическая диагностика"}
		if err := s.CreateForm(ctx, nf); err != nil || !nf.Repeatable {
			t.Fatalf("new form: %v", err)
		}
		sec := &opora.FormSection{FormID: nf.ID, Title: "Итоги"}
		if err := s.CreateSection(ctx, sec); err != nil {
			t.Fatal(err)
		}
		x := &opora.FormField{SectionID: sec.ID, Label: "Баллы", Type: opora.FieldNumber}
		if err := s.CreateField(ctx, x); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateFilling(ctx, c.ID, nf.ID, d3, map[int64][]string{x.ID: {"12,5"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateFilling(ctx, c.ID, nf.ID, d3, map[int64][]string{x.ID: {"двенадцать"}}); opora.FieldErrors(err)["f"+idStr(x.ID)] != "questionnaire.error.number" {
			t.Fatalf("number: %v", err)
		}
		// Only an administrator of dictionaries edits forms.
		_, sctx := fx.AddUser(t, "spec", "specialist")
		if err := s.CreateForm(sctx, &opora.Form{Name: "x"}); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Fatalf("specialist creates a form: %v", err)
		}
	})
}
