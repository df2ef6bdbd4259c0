package opora

import "testing"

// Fuzz targets for the parsers of what people type and devices send
// (issue 25 item 5). .ci/fuzz runs every Fuzz function for a bounded time;
// a crasher Go saves under testdata/fuzz becomes a regression case that
// plain `go test` replays.

// FuzzParseDate: a date that parses prints (YYYY-MM-DD) as a text that
// parses to the same day; nothing panics.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"01.02.1975", "1.2.1975", "1975-02-01", "31.02.2020", "", " 29.02.2024 ", "0001-01-01", "99.99.9999", "١٢.٠٢.١٩٧٥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		if !ok {
			if !d.IsZero() {
				t.Fatalf("%q: not ok but %v", s, d)
			}
			return
		}
		again, ok := ParseDate(d.String())
		if !ok || !again.Equal(d) {
			t.Fatalf("%q → %v → %v %v", s, d, again, ok)
		}
		if d2, ok := ParseDate(d.Format("02.01.2006")); !ok || !d2.Equal(d) {
			t.Fatalf("%q: the Russian form of %v does not parse back", s, d)
		}
	})
}

// FuzzParseMonth: a month parses to its first day and back.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"03.2021", "3.2021", "2021-03", "13.2021", "", "2021-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseMonth(s)
		if !ok {
			return
		}
		if d.Day() != 1 {
			t.Fatalf("%q → %v, not the month's first day", s, d)
		}
		if again, ok := ParseMonth(d.Format("2006-01")); !ok || !again.Equal(d) {
			t.Fatalf("%q → %v → %v", s, d, again)
		}
	})
}

// FuzzParseRubles: an accepted sum is whole kopecks within twelve digits
// of roubles, and its printed form reads back to the same sum.
func FuzzParseRubles(f *testing.F) {
	for _, s := range []string{"150", "150,50", "150.5", "1 500,00", "-20", "−20", "₽ 1", ",5", "1.", "", "999999999999,99", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParseRubles(s)
		if !ok {
			return
		}
		if k > 999999999999_99 || k < -999999999999_99 {
			t.Fatalf("%q → %d kopecks, beyond twelve digits", s, k)
		}
		neg := ""
		a := k
		if a < 0 {
			neg, a = "-", -a
		}
		printed := neg + itoa(a/100) + "," + pad2(a%100)
		if again, ok := ParseRubles(printed); !ok || again != k {
			t.Fatalf("%q → %d → %q → %d %v", s, k, printed, again, ok)
		}
	})
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func pad2(n int64) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// FuzzParseWeeks: accepted weeks are 1…5, sorted, without repeats.
func FuzzParseWeeks(f *testing.F) {
	for _, s := range []string{"2,4", "2 4", "1;3;5", "0", "6", "", "4,2,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, ok := ParseWeeks(s)
		if !ok {
			return
		}
		for i, w := range ws {
			if w < 1 || w > 5 || (i > 0 && ws[i-1] >= w) {
				t.Fatalf("%q → %v", s, ws)
			}
		}
	})
}

// FuzzParseCouncilEntry: an entry from the secretary's device is accepted
// or refused with field errors, never a panic; an accepted one keeps a
// well-formed UUID.
func FuzzParseCouncilEntry(f *testing.F) {
	f.Add("6f1c2a0e-8d4b-4c1e-9a7f-2b3c4d5e6f70", "plan", int64(1), "tasks.0.due_on", "2026-12-20")
	f.Add("", "", int64(0), "", "")
	f.Add("not-a-uuid", "close", int64(-5), "outcome", "improved")
	f.Fuzz(func(t *testing.T, uuid, kind string, family int64, key, value string) {
		e, err := ParseCouncilEntry(uuid, kind, family, map[string][]string{key: {value}})
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if !entryUUID.MatchString(e.UUID) {
			t.Fatalf("accepted uuid %q", e.UUID)
		}
	})
}

// FuzzParseHintKey: a condition's key from a methodologist's form parses
// or not; a parsed one writes a key that parses to the same condition.
func FuzzParseHintKey(f *testing.F) {
	for _, s := range []string{"status:sop", "indicator:school.absence>=2", "indicator:x>=01", "signal:police", "event:job_lost", "", ":", "x:y:z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseHintKey(s)
		if !ok {
			return
		}
		again, ok := ParseHintKey(c.Key())
		if !ok || again != c {
			t.Fatalf("%q → %+v → %q → %+v %v", s, c, c.Key(), again, ok)
		}
	})
}

// FuzzDocTemplate: an administrator's template body is accepted or refused
// with the line and a message; an accepted one fills without error, a
// value that looks like a placeholder or code stays text (one pass), and
// the filled text splits into paragraphs without a panic.
func FuzzDocTemplate(f *testing.F) {
	f.Add("# СПРАВКА\n\nВыдана {{клиент.фио}}, {{клиент.дата_рождения}} г. р.\n> {{организация.руководитель}}", "{{call .X}}")
	f.Add("{{range .}}{{end}}", "x")
	f.Add("}}{{", "")
	f.Add("{{ клиент.фамилия }}", "<script>")
	f.Fuzz(func(t *testing.T, body, value string) {
		err := CheckTemplate(body)
		vals := map[string]string{}
		for _, d := range DocFields {
			vals[d.Key] = value
		}
		filled, ferr := FillTemplate(body, vals)
		if (err == nil) != (ferr == nil) {
			t.Fatalf("%q: check %v, fill %v", body, err, ferr)
		}
		if err != nil {
			if _, ok := err.(*TemplateError); !ok {
				t.Fatalf("%q: refused without a line: %v", body, err)
			}
			return
		}
		if plain, _ := FillTemplate(body, nil); len(filled) < len(plain) {
			t.Fatalf("%q: filling with %q shortened the text", body, value)
		}
		_ = DocBlocks(filled)
	})
}
