package opora

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPlanLightAcrossYears(t *testing.T) {
	for _, c := range []struct {
		from, to string
		months   int
		light    Light
	}{
		{"2025-11-15", "2025-11-15", 0, LightGreen},
		{"2025-11-15", "2026-02-14", 2, LightGreen},
		{"2025-11-15", "2026-02-15", 3, LightYellow},
		{"2025-11-15", "2026-05-15", 6, LightYellow},
		{"2025-11-15", "2026-05-16", 6, LightRed},
		{"2025-11-15", "2027-01-01", 13, LightRed},
		{"2025-12-31", "2026-03-30", 2, LightGreen},
		{"2025-12-31", "2026-03-31", 3, LightYellow},
		{"2025-11-30", "2026-02-28", 3, LightYellow}, // the last day of February ends the month started on the 30th
		{"2024-08-31", "2025-02-28", 6, LightYellow}, // exactly six months: still yellow
		{"2026-02-01", "2025-12-01", 0, LightGreen},  // an end before the start counts as nothing
	} {
		m, _ := PlanMonths(DateOf(day(c.from)), DateOf(day(c.to)))
		if m != c.months {
			t.Errorf("%s → %s: %d months, want %d", c.from, c.to, m, c.months)
		}
		if l := PlanLight(DateOf(day(c.from)), DateOf(day(c.to))); l != c.light {
			t.Errorf("%s → %s: light %s, want %s", c.from, c.to, l, c.light)
		}
	}
	k := &Case{OpenedOn: DateOf(day("2025-01-10")), ClosedOn: DateOf(day("2025-03-01"))}
	if l := k.Light(DateOf(day("2026-06-01"))); l != LightGreen {
		t.Errorf("a closed case is measured to its closing day: %s", l)
	}
}

func TestTaskValidation(t *testing.T) {
	base := func() *Task {
		return &Task{TypeID: 1, StartOn: DateOf(day("2026-03-10")), DueOn: DateOf(day("2026-04-10")), Status: TaskPlanned}
	}
	tk := base()
	tk.DueOn = DateOf(day("2026-03-09"))
	if f := FieldErrors(tk.Validate()); f["due_on"] != "tasks.error.due_before_start" {
		t.Errorf("due before start: %v", f)
	}
	tk = base()
	tk.Status = TaskFailed
	if f := FieldErrors(tk.Validate()); f["fail_reason"] == "" {
		t.Errorf("failed without a reason: %v", f)
	}
	tk = base()
	tk.ResponsibleID, tk.ResponsibleOrg = 1, 2
	if f := FieldErrors(tk.Validate()); f["responsible"] == "" {
		t.Errorf("two responsibles: %v", f)
	}
	if err := base().Validate(); err != nil {
		t.Errorf("valid task: %v", err)
	}
	tk = base()
	if !tk.Overdue(DateOf(day("2026-04-11"))) || tk.Overdue(DateOf(day("2026-04-10"))) {
		t.Error("overdue only after the due day")
	}
	tk.Status = TaskDone
	if tk.Overdue(DateOf(day("2026-05-01"))) {
		t.Error("a done task is never overdue")
	}
}

func TestCaseClosingValidation(t *testing.T) {
	opened, today := day("2026-01-10"), day("2026-03-10")
	for _, c := range []struct {
		cl    CaseClosing
		field string
	}{
		{CaseClosing{ClosedOn: DateOf(today)}, "outcome"},
		{CaseClosing{Outcome: "whatever", ClosedOn: DateOf(today)}, "outcome"},
		{CaseClosing{Outcome: OutcomePartlyOther, ClosedOn: DateOf(today)}, "outcome_comment"},
		{CaseClosing{Outcome: OutcomeDone, ClosedOn: DateOf(day("2026-01-09"))}, "closed_on"},
		{CaseClosing{Outcome: OutcomeDone, ClosedOn: DateOf(today), OpenTasks: OpenTasksFail}, "fail_reason"},
		{CaseClosing{Outcome: OutcomeDone, ClosedOn: DateOf(today), OpenTasks: "drop"}, "open_tasks"},
	} {
		if f := FieldErrors(c.cl.Validate(DateOf(opened), DateOf(today))); f[c.field] == "" {
			t.Errorf("%+v: no error for %s: %v", c.cl, c.field, f)
		}
	}
	ok := CaseClosing{Outcome: OutcomeNotDoneNoShow, ClosedOn: DateOf(today)}
	if err := ok.Validate(DateOf(opened), DateOf(today)); err != nil {
		t.Errorf("valid closing: %v", err)
	}
}
