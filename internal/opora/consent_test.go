package opora

import (
	"testing"
	"time"
)

func TestDecideBasis(t *testing.T) {
	day := NewDate(2026, time.March, 10)
	health := DataCategory(SensitiveHealth)
	services := &Consent{ID: 1, Purposes: []ConsentPurpose{PurposeServices}, Categories: []DataCategory{health},
		From: day.AddDays(-10), To: day.AddDays(10)}
	sharing := &Consent{ID: 2, Purposes: []ConsentPurpose{PurposeSharing}, Categories: []DataCategory{health},
		AgencyTypes: []OrgType{OrgSchool}, From: day.AddDays(-10), WithdrawnOn: day}
	for _, c := range []struct {
		name     string
		consents []*Consent
		code     string
		cat      DataCategory
		purpose  ConsentPurpose
		agency   OrgType
		on       Date
		kind     string
		reason   string
	}{
		{"ordinary needs nothing", nil, "", CategoryOrdinary, PurposeServices, OrgNGO, day, BasisNotRequired, ""},
		{"no consent", nil, "", health, PurposeServices, OrgNGO, day, "", RefuseNoBasis},
		{"a legal basis wins", nil, "social_services", health, PurposeServices, OrgNGO, day, BasisLegal, ""},
		{"a consent in force", []*Consent{services}, "", health, PurposeServices, OrgNGO, day, BasisConsent, ""},
		{"on its last day", []*Consent{services}, "", health, PurposeServices, OrgNGO, day.AddDays(10), BasisConsent, ""},
		{"expired", []*Consent{services}, "", health, PurposeServices, OrgNGO, day.AddDays(11), "", RefuseNoBasis},
		{"not started", []*Consent{services}, "", health, PurposeServices, OrgNGO, day.AddDays(-11), "", RefuseNoBasis},
		{"another category", []*Consent{services}, "", DataCategory(SensitiveCriminal), PurposeServices, OrgNGO, day, "", RefuseNoBasis},
		{"another purpose", []*Consent{services}, "", health, PurposeStatistics, OrgNGO, day, "", RefuseNoBasis},
		{"sharing before withdrawal", []*Consent{sharing}, "", health, PurposeSharing, OrgSchool, day.AddDays(-1), BasisConsent, ""},
		{"sharing withdrawn", []*Consent{sharing}, "", health, PurposeSharing, OrgSchool, day, "", RefuseWithdrawn},
		{"sharing with an agency not named", []*Consent{sharing}, "", health, PurposeSharing, OrgPolice, day.AddDays(-1), "", RefuseNoBasis},
	} {
		b, reason := DecideBasis(c.consents, c.code, c.cat, c.purpose, c.agency, c.on)
		if b.Kind != c.kind || reason != c.reason {
			t.Errorf("%s: %+v %q, want %q %q", c.name, b, reason, c.kind, c.reason)
		}
	}
	if b, _ := StoreBasis(nil, nil, OrgNGO, false, health, day); b.Kind != BasisNotRequired {
		t.Errorf("not required: %+v", b)
	}
	cells := []OrgLegalBasis{{Category: health, AgencyType: OrgPolice, Code: ""}}
	if LegalBasisFor(cells, health, OrgPolice, true) != "" || LegalBasisFor(nil, health, OrgPolice, true) != BasisPreventionSystem ||
		LegalBasisFor(nil, health, OrgPolice, false) != "" || LegalBasisFor(nil, health, OrgOther, true) != "" {
		t.Error("legal basis cells and defaults")
	}
}

func TestConsentValidate(t *testing.T) {
	today := NewDate(2026, time.March, 10)
	ok := func() *Consent {
		return &Consent{Subject: SubjectSelf, Purposes: []ConsentPurpose{PurposeServices},
			Categories: []DataCategory{CategoryOrdinary}, From: today, TakenBy: 1}
	}
	for _, c := range []struct {
		name  string
		edit  func(*Consent)
		field string
		key   string
	}{
		{"ends before it starts", func(c *Consent) { c.To = today.AddDays(-1) }, "consent_to", "consent.error.to_before_from"},
		{"no purpose", func(c *Consent) { c.Purposes = nil }, "purposes", "consent.error.purpose"},
		{"no category", func(c *Consent) { c.Categories = nil }, "categories", "consent.error.category"},
		{"sharing with nobody", func(c *Consent) { c.Purposes = []ConsentPurpose{PurposeSharing} }, "agency_types", "consent.error.agency_types"},
		{"representative without relation", func(c *Consent) { c.Subject, c.RepName = SubjectRepresentative, "Иванова" }, "rep_relation", "error.required"},
		{"in the future", func(c *Consent) { c.From = today.AddDays(1) }, "consent_date", "error.date_future"},
		{"nobody took it", func(c *Consent) { c.TakenBy = 0 }, "consent_by", "error.required"},
	} {
		cs := ok()
		c.edit(cs)
		cs.Normalize()
		if got := FieldErrors(cs.Validate(today))[c.field]; got != c.key {
			t.Errorf("%s: %q, want %q", c.name, got, c.key)
		}
	}
	cs := ok()
	cs.To = today
	if err := cs.Validate(today); err != nil {
		t.Errorf("a one-day consent: %v", err)
	}
}
