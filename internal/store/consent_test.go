package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// consentFor is a services consent of the client for the categories.
func consentFor(clientID, by int64, from opora.Date, cats ...opora.DataCategory) *opora.Consent {
	return &opora.Consent{ClientID: clientID, From: from, TakenBy: by,
		Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: cats}
}

// requireConsent turns the organisation's setting on.
func requireConsent(t *testing.T, s *store.Store, ctx context.Context, orgID int64) {
	t.Helper()
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	org.ConsentRequired = true
	if err := s.UpdateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
}

// answerBases are the stored bases of a client's answers to a field.
func answerBases(t *testing.T, s *store.Store, clientID, fieldID int64) []string {
	t.Helper()
	rows, err := storetest.RawDB(t, s).Query(`SELECT basis || '/' || CAST(COALESCE(basis_consent_id, 0) AS TEXT) FROM answers
		WHERE client_id = $1 AND field_id = $2 ORDER BY id`, clientID, fieldID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkProvenance fails when a stored sensitive answer has no basis, or
// its consent belongs to another client.
func checkProvenance(t *testing.T, s *store.Store) {
	t.Helper()
	var missing, foreign int
	db := storetest.RawDB(t, s)
	if err := db.QueryRow(`SELECT COUNT(*) FROM answers a JOIN form_fields f ON f.id = a.field_id
		WHERE f.sensitivity <> '' AND a.basis = ''`).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM answers a LEFT JOIN consents c ON c.id = a.basis_consent_id
		WHERE a.basis = 'consent' AND (c.id IS NULL OR c.client_id <> a.client_id)`).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	if missing != 0 || foreign != 0 {
		t.Errorf("%d sensitive answers without a basis, %d with another client's consent", missing, foreign)
	}
}

// A sensitive answer needs a consent covering its category, or a legal
// basis, in every write path; the basis is recorded on the answer.
func TestConsentEnforcedOnEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		requireConsent(t, s, ctx, fx.Org.ID)
		c, qa := questionnaireClient(t, s, fx)
		dis, prof := mustField(t, qa, "diseases"), mustField(t, qa, "profession")
		hiv, tb := optionID(t, dis, "ВИЧ"), optionID(t, dis, "Туберкулёз")
		today := s.Today()

		// No consent: refused with the reason on the field; nothing saved.
		err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv), prof.ID: {"повар"}})
		if opora.ErrorMessage(err) != "questionnaire.error.consent" ||
			opora.FieldErrors(err)["f"+idStr(dis.ID)] != "questionnaire.error.consent_field" {
			t.Fatalf("without consent: %v", err)
		}
		if got := answerBases(t, s, c.ID, prof.ID); len(got) != 0 {
			t.Fatalf("the refused save kept the ordinary answer: %v", got)
		}
		if b, reason, err := s.SensitiveBasis(ctx, c.ID, opora.CategoryOf(opora.SensitiveHealth)); err != nil ||
			b.Kind != "" || reason != opora.RefuseNoBasis {
			t.Fatalf("basis without consent: %+v %q %v", b, reason, err)
		}

		// A consent ending before it starts is refused.
		bad := consentFor(c.ID, fx.Admin.ID, today, opora.DataCategory(opora.SensitiveHealth))
		bad.To = today.AddDays(-1)
		if err := s.RecordConsent(ctx, bad); opora.FieldErrors(err)["consent_to"] != "consent.error.to_before_from" {
			t.Fatalf("to before from: %v", err)
		}
		// A representative without name is refused.
		rep := consentFor(c.ID, fx.Admin.ID, today, opora.DataCategory(opora.SensitiveHealth))
		rep.Subject, rep.RepRelation = opora.SubjectRepresentative, "parent"
		if err := s.RecordConsent(ctx, rep); opora.FieldErrors(err)["rep_name"] != "error.required" {
			t.Fatalf("representative without a name: %v", err)
		}
		// A consent for another category does not cover health.
		crime := consentFor(c.ID, fx.Admin.ID, today, opora.DataCategory(opora.SensitiveCriminal))
		if err := s.RecordConsent(ctx, crime); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv)}); opora.ErrorMessage(err) != "questionnaire.error.consent" {
			t.Fatalf("consent for another category: %v", err)
		}

		// With a consent for health given by the mother: saved, the basis recorded.
		health := consentFor(c.ID, fx.Admin.ID, today.AddDays(-10), opora.DataCategory(opora.SensitiveHealth), opora.CategoryOrdinary)
		health.Subject, health.RepName, health.RepRelation = opora.SubjectRepresentative, "Иванова Мария Петровна", "parent"
		if err := s.RecordConsent(ctx, health); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv), prof.ID: {"повар"}}); err != nil {
			t.Fatalf("with consent: %v", err)
		}
		if got := answerBases(t, s, c.ID, dis.ID); len(got) != 1 || got[0] != "consent/"+idStr(health.ID) {
			t.Fatalf("basis with consent: %v", got)
		}
		cs, err := s.ClientConsents(ctx, c.ID)
		if err != nil || len(cs) != 2 || cs[0].ID != crime.ID || cs[1].RepName != "Иванова Мария Петровна" {
			t.Fatalf("consents %v %+v", err, cs)
		}

		// Withdrawn: the stored answer stays, a new one is refused again.
		if err := s.WithdrawConsent(ctx, c.ID, health.ID, today.AddDays(-11), ""); opora.FieldErrors(err)["withdrawn_on"] != "consent.error.withdrawn_before_from" {
			t.Fatalf("withdrawn before it started: %v", err)
		}
		if err := s.WithdrawConsent(ctx, c.ID, health.ID, today, "Отозвала письменно"); err != nil {
			t.Fatal(err)
		}
		if err := s.WithdrawConsent(ctx, c.ID, health.ID, today, ""); opora.FieldErrors(err)["withdrawn_on"] != "consent.error.already_withdrawn" {
			t.Fatalf("withdrawn twice: %v", err)
		}
		err = s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv, tb), prof.ID: {"повар"}})
		if opora.ErrorMessage(err) != "questionnaire.error.consent_withdrawn" ||
			opora.FieldErrors(err)["f"+idStr(dis.ID)] != "consent.error.withdrawn_field" {
			t.Fatalf("after withdrawal: %v", err)
		}
		if got := answerBases(t, s, c.ID, dis.ID); len(got) != 1 {
			t.Fatalf("the stored answer after withdrawal: %v", got)
		}
		// A repeatable form's filling is the same path.
		forms, _ := s.Forms(ctx)
		blank, err := s.BlankFilling(ctx, c.ID, forms[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		fh, period := mustField(t, blank, "follow_up_health"), mustField(t, blank, "follow_up_period")
		filling := map[int64][]string{fh.ID: {"Кашель"}, period.ID: ids(optionID(t, period, "3 месяца"))}
		if _, err := s.CreateFilling(ctx, c.ID, forms[1].ID, today, filling); opora.ErrorMessage(err) != "questionnaire.error.consent_withdrawn" {
			t.Fatalf("filling after withdrawal: %v", err)
		}

		// A legal basis configured for health and the organisation's own
		// type: saved without consent, the basis recorded and shown.
		org, _ := s.Organisation(ctx, fx.Org.ID)
		if err := s.SetOrgLegalBases(ctx, []opora.OrgLegalBasis{{Category: "health", AgencyType: org.Type, Code: "nope"}}); err == nil {
			t.Fatal("an unknown basis code was accepted")
		}
		if err := s.SetOrgLegalBases(ctx, []opora.OrgLegalBasis{{Category: "health", AgencyType: org.Type, Code: "social_services"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{dis.ID: ids(hiv, tb), prof.ID: {"повар"}}); err != nil {
			t.Fatalf("with a legal basis: %v", err)
		}
		if got := answerBases(t, s, c.ID, dis.ID); len(got) != 2 || got[0] != "legal:social_services/0" {
			t.Fatalf("legal basis: %v", got)
		}
		if _, err := s.CreateFilling(ctx, c.ID, forms[1].ID, today, filling); err != nil {
			t.Fatalf("filling with a legal basis: %v", err)
		}
		if b, _, err := s.SensitiveBasis(ctx, c.ID, "health"); err != nil || b.Kind != opora.BasisLegal || b.Code != "social_services" {
			t.Fatalf("basis shown: %+v %v", b, err)
		}
		checkProvenance(t, s)

		// The database refuses a sensitive answer row without a basis from
		// any path that forgets to decide it.
		db := storetest.RawDB(t, s)
		if _, err := db.Exec(`INSERT INTO answers (organisation_id, client_id, field_id, option_id, updated_at)
			VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)`, fx.Org.ID, c.ID, dis.ID, optionID(t, dis, "Гепатит C")); err == nil {
			t.Fatal("a sensitive answer without a basis was stored")
		}
		if _, err := db.Exec(`INSERT INTO answers (organisation_id, client_id, field_id, value_text, updated_at)
			VALUES ($1, $2, $3, 'пекарь', CURRENT_TIMESTAMP)`, fx.Org.ID, c.ID, prof.ID); err != nil {
			t.Fatalf("an ordinary answer: %v", err)
		}
	})
}

// A merge carries the consents with the answers they are the basis of.
func TestConsentMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		requireConsent(t, s, ctx, fx.Org.ID)
		from, qa := questionnaireClient(t, s, fx)
		into := addClient(t, s, ctx, fx.Branch.ID, "Слияний", "Пётр", "", "01.02.1975")
		dis := mustField(t, qa, "diseases")
		cs := consentFor(from.ID, fx.Admin.ID, s.Today(), "health")
		if err := s.RecordConsent(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQuestionnaire(ctx, from.ID, map[int64][]string{dis.ID: ids(optionID(t, dis, "ВИЧ"))}); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeClients(ctx, into.ID, from.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClientConsents(ctx, into.ID)
		if err != nil || len(got) != 1 || got[0].ID != cs.ID {
			t.Fatalf("consents after the merge: %v %+v", err, got)
		}
		if b := answerBases(t, s, into.ID, dis.ID); len(b) != 1 || b[0] != "consent/"+idStr(cs.ID) {
			t.Fatalf("the moved answer's basis: %v", b)
		}
		checkProvenance(t, s)
		// The survivor's new sensitive answers are covered by the moved consent.
		if err := s.SaveQuestionnaire(ctx, into.ID, map[int64][]string{dis.ID: ids(optionID(t, dis, "ВИЧ"), optionID(t, dis, "Туберкулёз"))}); err != nil {
			t.Fatalf("after the merge: %v", err)
		}
		checkProvenance(t, s)
	})
}

// Migration 00049 turns the consent on the profile into a 'services'
// consent for every category and gives the sensitive answers stored before
// it their basis; rolling back and forward loses nothing.
func TestConsentMigrationKeepsConsents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		with, qa := questionnaireClient(t, s, fx)
		without, _ := questionnaireClient(t, s, fx)
		dis := mustField(t, qa, "diseases")
		for _, id := range []int64{with.ID, without.ID} { // the organisation does not require consent
			if err := s.SaveQuestionnaire(ctx, id, map[int64][]string{dis.ID: ids(optionID(t, dis, "ВИЧ"))}); err != nil {
				t.Fatal(err)
			}
		}
		bg := context.Background()
		if err := s.MigrateDownTo(bg, 48); err != nil {
			t.Fatal(err)
		}
		db := storetest.RawDB(t, s)
		day := opora.NewDate(2025, 11, 3)
		if _, err := db.Exec(`UPDATE clients SET consent_date = $1, consent_by = $2 WHERE id = $3`, day, fx.Admin.ID, with.ID); err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"up", "down", "up"} {
			var err error
			if step == "down" {
				err = s.MigrateDownTo(bg, 48)
			} else {
				err = s.Migrate(bg)
			}
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if step == "down" {
				var n int
				if err := db.QueryRow(`SELECT COUNT(*) FROM clients WHERE id = $1 AND consent_date = $2 AND consent_by = $3`,
					with.ID, day, fx.Admin.ID).Scan(&n); err != nil || n != 1 {
					t.Fatalf("after down: %d %v", n, err)
				}
				continue
			}
			cs, err := s.ClientConsents(ctx, with.ID)
			if err != nil || len(cs) != 1 || cs[0].From != day || cs[0].TakenBy != fx.Admin.ID ||
				!cs[0].HasPurpose("services") || len(cs[0].Categories) != len(opora.DataCategories) {
				t.Fatalf("after %s: consents %v %+v", step, err, cs)
			}
			if b := answerBases(t, s, with.ID, dis.ID); len(b) != 1 || b[0] != "consent/"+idStr(cs[0].ID) {
				t.Fatalf("after %s: basis with the consent %v", step, b)
			}
			if b := answerBases(t, s, without.ID, dis.ID); len(b) != 1 || b[0] != "legacy/0" {
				t.Fatalf("after %s: basis without a consent %v", step, b)
			}
		}
		checkProvenance(t, s)
	})
}

// An agency reads a family's sensitive section only on a basis, and the
// card says which: 120-ФЗ by default, then — the holder wanting consent —
// a member's consent to sharing with the police, and nothing once it is
// withdrawn.
func TestConsentFamilySharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newAccessNet(t, s)
		f, cur := fullFamily(t, s, n.familyNet)
		giveTasks(t, s, n, cur, f, taskOpen)
		police := func() context.Context { return storetest.CtxOf(t, s, n.heads[opora.OrgPolice].ID) }
		acc, err := s.FamilyAccess(police(), f.ID)
		if err != nil || !acc.Can(opora.SectionOffences) || acc.Bases[opora.SectionOffences].Code != opora.BasisPreventionSystem ||
			!strings.Contains(acc.Bases[opora.SectionOffences].Title, "120-ФЗ, ст. 9") {
			t.Fatalf("default basis: %v %+v", err, acc)
		}
		kdn := n.kdn.Ctx()
		if err := s.SetOrgLegalBases(kdn, []opora.OrgLegalBasis{{Category: "criminal", AgencyType: opora.OrgPolice}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Family(police(), f.ID); got.Offences != "" {
			t.Fatal("the police read the offences without consent")
		}
		acc, _ = s.FamilyAccess(police(), f.ID)
		if acc.Can(opora.SectionOffences) || len(acc.Refused) != 1 || acc.Refused[0].Reason != opora.RefuseNoBasis {
			t.Fatalf("without consent: %+v", acc)
		}
		// The health agency still reads health on 120-ФЗ.
		if got, _ := s.Family(storetest.CtxOf(t, s, n.heads[opora.OrgHealth].ID), f.ID); got.Health == "" {
			t.Fatal("the health agency lost the health section")
		}
		mother := f.Members[0].ClientID
		cs := &opora.Consent{ClientID: mother, From: s.Today(), TakenBy: n.kdn.Admin.ID,
			Purposes: []opora.ConsentPurpose{opora.PurposeSharing}, Categories: []opora.DataCategory{"criminal"},
			AgencyTypes: []opora.OrgType{opora.OrgPolice}}
		if err := s.RecordConsent(kdn, cs); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Family(police(), f.ID); got.Offences == "" {
			t.Fatal("the police do not read the offences with consent")
		}
		acc, _ = s.FamilyAccess(police(), f.ID)
		if b := acc.Bases[opora.SectionOffences]; b.Kind != opora.BasisConsent || b.ConsentID != cs.ID {
			t.Fatalf("basis with consent: %+v", acc)
		}
		if err := s.WithdrawConsent(kdn, mother, cs.ID, s.Today(), "Отозвала"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Family(police(), f.ID); got.Offences != "" {
			t.Fatal("the police read the offences on a withdrawn consent")
		}
		acc, _ = s.FamilyAccess(police(), f.ID)
		if acc.Can(opora.SectionOffences) || len(acc.Refused) != 1 || acc.Refused[0].Reason != opora.RefuseWithdrawn {
			t.Fatalf("after withdrawal: %+v", acc)
		}
		list, err := s.SearchFamilies(police(), store.FamilySearch{Query: "Иванов"})
		if err != nil || len(list) != 1 || list[0].Offences != "" {
			t.Fatalf("the police's list after withdrawal: %v %+v", err, list)
		}
	})
}
