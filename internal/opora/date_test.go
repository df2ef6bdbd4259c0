package opora

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	d := NewDate(2026, time.March, 10)
	if d.String() != "2026-03-10" || d.Format("02.01.2006") != "10.03.2026" || d.IsZero() {
		t.Fatalf("%v %q", d, d.Format("02.01.2006"))
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("the zero date prints")
	}
	for _, s := range []string{"10.03.2026", "10.3.2026", " 2026-03-10 "} {
		if p, ok := ParseDate(s); !ok || !p.Equal(d) {
			t.Errorf("ParseDate(%q) = %v %v", s, p, ok)
		}
	}
	for _, s := range []string{"", "31.02.2026", "2026-3-10", "завтра"} {
		if _, ok := ParseDate(s); ok {
			t.Errorf("ParseDate(%q) reads", s)
		}
	}
	if !d.AddDays(1).After(d) || !d.AddDays(-1).Before(d) || d.AddDays(22).String() != "2026-04-01" ||
		d.AddDays(22).DaysSince(d) != 22 || d.Compare(d) != 0 {
		t.Error("day arithmetic")
	}
	if NewDate(2026, time.January, 31).AddMonths(1).String() != "2026-02-28" {
		t.Error("AddMonths does not clamp")
	}
	// Today is the day in the given zone, whatever the moment's own zone.
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	if got := Today(now, time.FixedZone("UTC-5", -5*3600)); got.String() != "2026-03-09" {
		t.Errorf("west: %v", got)
	}
	if got := Today(now, time.FixedZone("UTC+14", 14*3600)); got.String() != "2026-03-10" {
		t.Errorf("east: %v", got)
	}
	// A DATE as the drivers return it, in any zone, is the day it names.
	for _, src := range []any{time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 0, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)),
		"2026-03-10", []byte("2026-03-10 00:00:00+00:00")} {
		var got Date
		if err := got.Scan(src); err != nil || !got.Equal(d) {
			t.Errorf("Scan(%v) = %v %v", src, got, err)
		}
	}
	var got Date = d
	if err := got.Scan(nil); err != nil || !got.IsZero() {
		t.Error("NULL is not the zero date")
	}
	if err := got.Scan(42); err == nil {
		t.Error("a number reads as a date")
	}
	if v, err := d.Value(); err != nil || v.(time.Time) != time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC) {
		t.Errorf("Value %v %v", v, err)
	}
	if v, err := (Date{}).Value(); err != nil || v != nil {
		t.Errorf("zero Value %v %v", v, err)
	}
}
