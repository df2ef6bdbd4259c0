package store_test

import (
	"context"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

const testIndicator = "Ребёнок пропускает школу или детский сад без уважительной причины"

func TestHintRuleEdit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		admin := n.net.Ctx()
		seed, err := s.HintRules(admin, true)
		if err != nil {
			t.Fatal(err)
		}
		seeded := len(seed)
		if seeded < 5 || seeded > 8 {
			t.Fatalf("seeded rules: %d", seeded)
		}
		types := map[string]bool{}
		for _, tt := range store.ProcedureTaskTypes() {
			types[tt[0]] = true
		}
		for _, r := range seed {
			if len(r.Broken) != 0 || r.Validate() != nil || r.CreatedAt.IsZero() {
				t.Errorf("seeded rule %q: broken %v, %v, %v", r.Difficulty, r.Broken, r.Validate(), r.CreatedAt)
			}
			for _, m := range r.Measures {
				if !types[m.TaskTypeKey] {
					t.Errorf("seeded rule %q: task type %q", r.Difficulty, m.TaskTypeKey)
				}
			}
		}
		r := &opora.HintRule{Difficulty: "  Потеря  дохода ", Source: "Региональный порядок, раздел 3.2",
			Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventJobLoss},
				{Kind: opora.CondIndicator, Ref: testIndicator, Min: 2}},
			Measures: []opora.HintMeasure{{TaskTypeKey: "job_search", AgencyType: opora.OrgEmployment}}}
		if err := s.CreateHintRule(n.curatorACtx, r); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Fatalf("a curator creates a rule: %v", err)
		}
		if err := s.CreateHintRule(admin, r); err != nil {
			t.Fatal(err)
		}
		if r.Difficulty != "Потеря дохода" || r.Version != 1 {
			t.Fatalf("created: %+v", r)
		}
		bad := &opora.HintRule{Difficulty: "x", Conditions: r.Conditions}
		err = s.CreateHintRule(admin, bad)
		if e, ok := err.(*opora.Error); !ok || e.Fields["measures"] != "hints.error.no_measures" {
			t.Fatalf("no measures: %v", err)
		}
		got, err := s.HintRule(n.curatorACtx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Conditions) != 2 || got.Conditions[1].Min != 2 || len(got.Measures) != 1 || len(got.Broken) != 0 {
			t.Fatalf("read: %+v", got)
		}
		stale := *got
		got.Source = "раздел 3.3"
		if err := s.UpdateHintRule(admin, got); err != nil || got.Version != 2 {
			t.Fatalf("update: %v %d", err, got.Version)
		}
		if err := s.UpdateHintRule(admin, &stale); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		if err := s.SetHintRuleDisabled(admin, r.ID, true); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.HintRules(admin, false); len(list) != seeded {
			t.Fatalf("enabled rules: %d", len(list))
		}
		if list, _ := s.HintRules(admin, true); len(list) != seeded+1 || !list[seeded].Disabled {
			t.Fatalf("all rules: %v", list)
		}
		// the indicator renamed in every assessment form: the rule is broken
		db := storetest.RawDB(t, s)
		if _, err := db.Exec(`UPDATE form_fields SET label = 'Пропуски занятий' WHERE label = $1`, testIndicator); err != nil {
			t.Fatal(err)
		}
		got, err = s.HintRule(admin, r.ID)
		if err != nil || len(got.Broken) != 1 || got.Broken[0] != 1 {
			t.Fatalf("broken: %v %+v", err, got)
		}
		if err := s.DeleteHintRule(admin, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.HintRule(admin, r.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("deleted: %v", err)
		}
	})
}

// TestHintRulesSeedMigration: migration 00054 seeds the rules only when
// there are none; its Down removes the seeded ones and keeps the
// methodologists' own.
func TestHintRulesSeedMigration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		admin := n.net.Ctx()
		seeded, err := s.HintRules(admin, true)
		if err != nil {
			t.Fatal(err)
		}
		own := &opora.HintRule{Difficulty: "Своё правило", Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventMoved}},
			Measures: []opora.HintMeasure{{TaskTypeKey: "curator_support"}}}
		if err := s.CreateHintRule(admin, own); err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		if err := s.MigrateDownTo(bg, 53); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.HintRules(admin, true); len(list) != 1 || list[0].ID != own.ID {
			t.Fatalf("after Down: %d rules", len(list))
		}
		if err := s.Migrate(bg); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.HintRules(admin, true); len(list) != 1 {
			t.Fatalf("Up with a rule present seeds: %d rules", len(list))
		}
		if err := s.DeleteHintRule(admin, own.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MigrateDownTo(bg, 53); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(bg); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.HintRules(admin, true); len(list) != len(seeded) {
			t.Fatalf("Up on no rules: %d rules, want %d", len(list), len(seeded))
		}
	})
}
