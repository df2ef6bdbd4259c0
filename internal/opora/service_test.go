package opora

import "testing"

func TestRubles(t *testing.T) {
	for in, want := range map[string]int64{"150": 15000, "150,50": 15050, "150.5": 15050, "1 500,00": 150000,
		"0,05": 5, ",5": 50, "-20": -2000, "150 ₽": 15000} {
		got, ok := ParseRubles(in)
		if !ok || got != want {
			t.Errorf("ParseRubles(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "1,234", "1.2.3", "12,", "1e5", "--1"} {
		if _, ok := ParseRubles(bad); ok {
			t.Errorf("ParseRubles(%q) accepted", bad)
		}
	}
	for in, want := range map[int64]string{15050: "150,50", 5: "0,05", 150000: "1\u00a0500,00", -2000: "-20,00"} {
		if got := FormatRubles(in); got != want {
			t.Errorf("FormatRubles(%d) = %q, want %q", in, got, want)
		}
	}
}
