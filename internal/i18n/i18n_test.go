package i18n

import "testing"

func TestCatalogsHaveSameKeys(t *testing.T) {
	c := MustLoad()
	for _, lang := range Languages {
		for k := range c.Keys(Default) {
			if !c.Keys(lang)[k] {
				t.Errorf("%s: missing key %q", lang, k)
			}
		}
		for k := range c.Keys(lang) {
			if !c.Keys(Default)[k] {
				t.Errorf("%s: key %q not in %s", lang, k, Default)
			}
		}
	}
}

func TestRussianPlurals(t *testing.T) {
	l := MustLoad().Localizer("ru")
	for n, want := range map[int]string{1: "1 запись", 2: "2 записи", 5: "5 записей", 21: "21 запись", 11: "11 записей"} {
		if got := l.N("common.records", n); got != want {
			t.Errorf("N(%d) = %q, want %q", n, got, want)
		}
	}
	if got := MustLoad().Localizer("en").N("common.records", 2); got != "2 records" {
		t.Errorf("en: %q", got)
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{"en-GB,en;q=0.9": "en", "de-DE": "ru", "": "ru", "ru-RU,ru": "ru"} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}
