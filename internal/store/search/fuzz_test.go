package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery: the search box splits into words, client numbers, birth
// years and dates without panicking; numbers are positive, years within
// 1900…this year, words non-empty and, for UTF-8 input, UTF-8 (PostgreSQL
// refuses anything else).
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"Иванов 1971", "№123", "#5 01.02.1975", "ивaнов", "Ё Ъ ь-й", "1900", "0", "-5", "№ №", "\x00", "Петров,Пётр;1980\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p := parseQuery(q, 2026)
		for _, id := range p.ids {
			if id <= 0 {
				t.Fatalf("%q: id %d", q, id)
			}
		}
		for _, y := range append(p.years, p.yearOrID) {
			if y != 0 && (y < 1900 || y > 2026) {
				t.Fatalf("%q: year %d", q, y)
			}
		}
		for _, w := range p.words {
			if strings.TrimSpace(w) == "" {
				t.Fatalf("%q: empty word", q)
			}
			if utf8.ValidString(q) && !utf8.ValidString(w) {
				t.Fatalf("%q: word %q is not UTF-8", q, w)
			}
		}
	})
}
