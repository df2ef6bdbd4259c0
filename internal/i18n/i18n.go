// Package i18n loads the embedded message catalogs (Russian first, English
// second) and translates message keys, with CLDR plural rules.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// Languages Opora speaks, the default first.
var Languages = []string{"ru", "en"}

// Default is the language used when the user has chosen none.
const Default = "ru"

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Catalog holds every language's messages.
type Catalog struct {
	bundle *goi18n.Bundle
	keys   map[string]map[string]bool // lang → key set
	mu     sync.Mutex
	locs   map[string]*Localizer
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.Russian)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, keys: map[string]map[string]bool{}, locs: map[string]*Localizer{}}
	for _, lang := range Languages {
		name := "locales/" + lang + ".json"
		data, err := fs.ReadFile(locales, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		mf, err := b.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		c.keys[lang] = map[string]bool{}
		for _, m := range mf.Messages {
			c.keys[lang][m.ID] = true
		}
	}
	return c, nil
}

// MustLoad is Load for program start and tests.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Keys returns the message keys of a language.
func (c *Catalog) Keys(lang string) map[string]bool { return c.keys[lang] }

// Has reports whether key exists in the default language.
func (c *Catalog) Has(key string) bool { return c.keys[Default][key] }

// Localizer returns the translator for a language (Default when unsupported).
func (c *Catalog) Localizer(lang string) *Localizer {
	if !Supported(lang) {
		lang = Default
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.locs[lang]; ok {
		return l
	}
	l := &Localizer{Lang: lang, l: goi18n.NewLocalizer(c.bundle, lang, Default)}
	c.locs[lang] = l
	return l
}

// Localizer translates keys into one language.
type Localizer struct {
	Lang string
	l    *goi18n.Localizer
}

// T translates key. args are name/value pairs for {{.Name}} placeholders.
// A missing key comes back as the key itself, so it shows and tests catch it.
func (l *Localizer) T(key string, args ...any) string {
	return l.localize(key, nil, args)
}

// N translates key with plural forms chosen by n (available as {{.N}}).
func (l *Localizer) N(key string, n int, args ...any) string {
	return l.localize(key, n, args)
}

func (l *Localizer) localize(key string, count any, args []any) string {
	var data map[string]any
	if len(args) > 0 || count != nil {
		data = make(map[string]any, len(args)/2+1)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
		if count != nil {
			data["N"] = count
		}
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil || s == "" {
		return key
	}
	return s
}

// Match picks a supported language from an Accept-Language header.
func Match(acceptLanguage string) string {
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		base := strings.SplitN(tag, "-", 2)[0]
		if Supported(base) {
			return base
		}
	}
	return Default
}
