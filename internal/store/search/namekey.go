package search

import "strings"

// NameKey folds a name for matching: lower case, ё→е, Cyrillic transliterated
// to Latin, and the usual spelling variants of Russian names in Latin folded
// together (kh/h, ph/f, x/ks, w/v, yo/ye/e, y/j/i, doubled letters, a final -ff for
// -в), so "Ёлкин", "елкин" and "Elkin", or "Иванов", "иванофф" and "Ivanov",
// meet in one spelling. Every word keeps its order; search.go matches words.
func NameKey(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if t, ok := translit[r]; ok {
			b.WriteString(t)
		} else if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if r == ' ' || r == '-' || r == '\t' || r == ',' || r == '.' {
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	for i, w := range words {
		words[i] = foldWord(w)
	}
	return strings.Join(words, " ")
}

// latinFolds turn Latin spelling variants into one; applied in order.
var latinFolds = strings.NewReplacer("shch", "sch", "kh", "h", "ph", "f", "ck", "k", "tz", "ts", "x", "ks",
	"w", "v", "q", "k", "yo", "e", "ye", "e", "y", "i", "j", "i")

// foldWord folds one transliterated word: Latin variants, a final "ff" (as
// in Ivanoff) read as "v", c before anything but h as k, and doubled letters
// as one.
func foldWord(w string) string {
	w = latinFolds.Replace(w)
	if strings.HasSuffix(w, "ff") && len(w) > 3 {
		w = w[:len(w)-2] + "v"
	}
	var b strings.Builder
	var prev byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c == 'c' && (i+1 >= len(w) || w[i+1] != 'h') {
			c = 'k'
		}
		if c == prev && (c < '0' || c > '9') {
			continue
		}
		b.WriteByte(c)
		prev = c
	}
	return b.String()
}

// translit is a simple, lossy Cyrillic→Latin table tuned for matching, not
// for display: similar sounds share a spelling.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sch", 'ъ': "", 'ы': "i", 'ь': "",
	'э': "e", 'ю': "iu", 'я': "ia", 'і': "i", 'ї': "i", 'є': "e", 'ґ': "g", 'ў': "u",
	'é': "e", 'è': "e", 'ë': "e", 'ä': "a", 'ö': "o", 'ü': "u", 'ß': "ss",
}

// FamilyKey is a family's search key (families.search_key): its members'
// full names in the card's order, its address and its children's schools,
// folded by NameKey. The store's write paths and the scale generator both
// make it here.
func FamilyKey(names []string, address string, schools []string) string {
	parts := append(append(append([]string{}, names...), address), schools...)
	return NameKey(strings.Join(parts, " "))
}

// SignalKey is a signal's search key (signals.search_key): its surname,
// address and children's names, folded by NameKey.
func SignalKey(surname, address string, children []string) string {
	parts := append([]string{surname, address}, children...)
	return NameKey(strings.Join(parts, " "))
}
