package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"hash/maphash"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
)

// pageTemplate is a page: the template set of each interface language and
// the template to execute in it.
type pageTemplate struct {
	byLang map[string]*template.Template
	entry  string // "layout:<page>", or the page's own layout (checkin_layout)
}

// of returns the page's set for the view's language.
func (p *pageTemplate) of(v *view) *template.Template {
	if t, ok := p.byLang[v.loc.Lang]; ok {
		return t
	}
	return p.byLang[i18n.Default]
}

var funcs = template.FuncMap{
	"datetime": formatDateTime,
	"date":     func(d any) (string, error) { return formatDay(d, "02.01.2006") },
	"isoDate":  func(d any) (string, error) { return formatDay(d, "2006-01-02") },
	"add":      func(a, b int) int { return a + b },
	"str":      func(v any) string { return fmt.Sprint(v) },
	"join":     strings.Join,
	// dict builds a map for passing several values to a sub-template.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// formatDay prints a day: an opora.Date as the day it is, whatever the
// server's zone; a moment (time.Time) as its day in the server's zone,
// midnight UTC included (a calendar date is always an opora.Date). "" for
// none.
func formatDay(v any, layout string) (string, error) {
	switch d := v.(type) {
	case opora.Date:
		return d.Format(layout), nil
	case time.Time:
		if d.IsZero() {
			return "", nil
		}
		return d.Local().Format(layout), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("web: a date of %T", v)
}

// formatDateTime is a moment as pages show it: dd.mm.yyyy hh:mm in the
// server's time zone, "" for none.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("02.01.2006 15:04")
}

// parsePages parses the layout, the partials and every page in
// templates/pages into one template set per language. Each page's
// "content" is renamed "content:<page>" and gets a copy of the layout
// ("layout:<page>") that calls it, so the partials are parsed once per
// language instead of once per page (a clone of them per page was most of
// the server's live heap). A translation with a literal key and no
// arguments ({{.T "key"}}, {{$.T "key"}}, {{$v.T "key"}}) is written into
// that language's set as a string constant ({{"текст"}}), which
// html/template escapes in its context like any other value: a page has
// hundreds, and each was a reflective method call and a catalog lookup on
// every request.
func parsePages(cat *i18n.Catalog) (map[string]*pageTemplate, error) {
	return parsePagesWith(cat, true)
}

// parsePagesWith parses the pages with the literal translations written in
// (inline) or left as calls.
func parsePagesWith(cat *i18n.Catalog, inline bool) (map[string]*pageTemplate, error) {
	shared, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	layout, err := fs.ReadFile(assets, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(layout), layoutDefine) || !strings.Contains(string(layout), contentCall) {
		return nil, fmt.Errorf("web: templates/layout.html must hold %s and %s", layoutDefine, contentCall)
	}
	pages := map[string]*pageTemplate{}
	for _, lang := range i18n.Languages {
		var loc *i18n.Localizer
		if inline {
			loc = cat.Localizer(lang)
		}
		set := template.New("").Funcs(funcs)
		for _, n := range shared {
			if n == "templates/layout.html" {
				continue // each page gets its own copy, below
			}
			if err := parseFile(set, n, loc); err != nil {
				return nil, err
			}
		}
		for _, n := range names {
			name := strings.TrimSuffix(path.Base(n), ".html")
			src, err := fs.ReadFile(assets, n)
			if err != nil {
				return nil, err
			}
			var entry string
			if strings.Contains(string(src), contentDefine) {
				entry = "layout:" + name
				text := strings.Replace(string(layout), layoutDefine, `{{define "`+entry+`"}}`, 1)
				text = strings.Replace(text, contentCall, `{{template "content:`+name+`" .}}`, 1)
				if err := parseText(set, "layout.html:"+name, text, loc); err != nil {
					return nil, err
				}
			} else if m := ownLayout.FindStringSubmatch(string(src)); m != nil {
				entry = m[1] // a page with a layout of its own (the check-in page)
			} else {
				return nil, fmt.Errorf("web: template %s defines neither %s nor a \"…_layout\"", n, contentDefine)
			}
			text := strings.Replace(string(src), contentDefine, `{{define "content:`+name+`"}}`, 1)
			if err := parseText(set, path.Base(n), text, loc); err != nil {
				return nil, err
			}
			if pages[name] == nil {
				pages[name] = &pageTemplate{byLang: map[string]*template.Template{}, entry: entry}
			}
			pages[name].byLang[lang] = set
		}
	}
	return pages, nil
}

// A page defines its content (contentDefine), which layout.html
// (layoutDefine) calls (contentCall); or a whole page of its own, named
// "<something>_layout" (ownLayout).
const (
	contentDefine = `{{define "content"}}`
	layoutDefine  = `{{define "layout"}}`
	contentCall   = `{{template "content" .}}`
)

var ownLayout = regexp.MustCompile(`\{\{define "([a-z_]+_layout)"\}\}`)

// constT matches a translation of a literal key without arguments.
var constT = regexp.MustCompile(`\{\{(?:\$|\$v|)\.T "([^"\\]*)"\}\}`)

// parseFile adds a template file to set under its base name (as ParseFS
// names it), with its literal translations written in when loc is not nil.
func parseFile(set *template.Template, name string, loc *i18n.Localizer) error {
	src, err := fs.ReadFile(assets, name)
	if err != nil {
		return fmt.Errorf("web: template %s: %w", name, err)
	}
	return parseText(set, path.Base(name), string(src), loc)
}

// parseText adds a template's text to set under name, with its literal
// translations written in when loc is not nil.
func parseText(set *template.Template, name, text string, loc *i18n.Localizer) error {
	if loc != nil {
		text = constT.ReplaceAllStringFunc(text, func(call string) string {
			// A string constant, so that html/template escapes it for
			// where it stands (text, attribute, URL, script) exactly as
			// it escapes the call's result.
			return "{{" + strconv.Quote(loc.T(constT.FindStringSubmatch(call)[1])) + "}}"
		})
	}
	if _, err := set.New(name).Parse(text); err != nil {
		return fmt.Errorf("web: template %s: %w", name, err)
	}
	return nil
}

// view is what every page template receives.
type view struct {
	loc   *i18n.Localizer
	srv   *Server
	Lang  string
	Actor *opora.Actor
	Title string // catalog key
	Nav   string // active navigation item
	Flash string // catalog key
	Form  *form
	Data  any
	// NavHTML is the main menu, rendered once per language, section and
	// set of permissions (render).
	NavHTML template.HTML
	Version string
	Path    string
	Status  int
	// DueReminders counts my unread reminders due today or earlier (header).
	DueReminders int
	// UnreadNotifications counts my unread notifications (header).
	UnreadNotifications int
}

// T translates a catalog key.
func (v *view) T(key string, args ...any) string { return v.loc.T(key, args...) }

// N translates a catalog key with plural forms.
func (v *view) N(key string, n int, args ...any) string { return v.loc.N(key, n, args...) }

// Can reports whether the acting user holds a permission.
func (v *view) Can(p string) bool { return v.Actor != nil && v.Actor.Can(opora.Permission(p)) }

// Languages lists the interface languages for the switch.
func (v *view) Languages() []string { return i18n.Languages }

// form carries submitted values and per-field error keys back to the page.
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string // a message for the whole form, catalog key
	Args   map[string]string
}

func newForm(values url.Values, err error) *form {
	f := &form{Values: values, Errors: opora.FieldErrors(err)}
	if values == nil {
		f.Values = url.Values{}
	}
	if err != nil && len(f.Errors) == 0 {
		f.Error = opora.ErrorMessage(err)
	}
	return f
}

// option is one choice of a select, radio group or checkbox group.
type option struct {
	Value string
	Label string
}

// fieldView is what the "input", "select" and "checks" partials render.
type fieldView struct {
	Name, Label, Type, Value, Error, Hint string
	Required                              bool
	Options                               []option
	Selected                              map[string]bool
	Attrs                                 template.HTMLAttr
	// srv and lang render the options (OptionsHTML, CheckboxesHTML);
	// submitted says Selected holds what a form sent.
	srv       *Server
	lang      string
	submitted bool
}

func (v *view) field(name, label string) fieldView {
	fv := fieldView{Name: name, Label: v.T(label), Selected: map[string]bool{}, srv: v.srv, lang: v.Lang}
	if v.Form != nil {
		fv.Value = v.Form.Values.Get(name)
		for _, s := range v.Form.Values[name] {
			fv.Selected[s] = true
			fv.submitted = true
		}
		if key := v.Form.Errors[name]; key != "" {
			fv.Error = v.T(key)
		}
	}
	return fv
}

// OptionsHTML is the field's <option> tags, the selected ones marked
// (template "option_tags").
func (f fieldView) OptionsHTML() (template.HTML, error) { return f.tags("option_tags") }

// CheckboxesHTML is the field's checkboxes, the selected ones checked
// (template "checkbox_tags").
func (f fieldView) CheckboxesHTML() (template.HTML, error) { return f.tags("checkbox_tags") }

// fragmentSeed keys the option lists' hashes; chosen per process, so no
// one can build a list whose hash meets another organisation's.
var fragmentSeed = maphash.MakeSeed()

// tags renders a field's options. A list of colleagues, branches or roles
// is the same on every page that offers it with the same choice made,
// and was an eighth of a client's page (three reflective calls an option),
// so it is rendered once per content and kept; a list as a form sent it
// back is rendered afresh, to keep what users type out of the cache.
func (f fieldView) tags(name string) (template.HTML, error) {
	if f.srv == nil {
		return "", fmt.Errorf("web: field %s has no server to render its options", f.Name)
	}
	if f.submitted {
		return f.srv.execFragment(f.lang, name, f)
	}
	var h maphash.Hash
	h.SetSeed(fragmentSeed)
	h.WriteString(f.Name)
	for _, o := range f.Options {
		h.WriteByte(0)
		h.WriteString(o.Value)
		h.WriteByte(0)
		h.WriteString(o.Label)
		if f.Selected[o.Value] {
			h.WriteByte(1)
		}
	}
	return f.srv.cachedFragment(f.lang, name, h.Sum64(), f)
}

// Input describes a text-like input; typ is the HTML type, with a trailing
// "!" for required fields.
func (v *view) Input(name, label, typ string) fieldView {
	fv := v.field(name, label)
	fv.Type, fv.Required = strings.CutSuffix(typ, "!")
	hintKey := label + ".hint"
	if h := v.T(hintKey); h != hintKey {
		fv.Hint = h
	}
	return fv
}

// Select describes a select box or a checkbox group over options.
func (v *view) Select(name, label string, opts []option) fieldView {
	fv := v.field(name, label)
	fv.Options = opts
	return fv
}

// Choice is a select whose value is def until a form sends another.
func (v *view) Choice(name, label string, opts []option, def string) fieldView {
	fv := v.Select(name, label, opts)
	if fv.Value == "" && def != "" {
		fv.Selected, fv.submitted = map[string]bool{def: true}, false
	}
	return fv
}

// HasErrors reports whether the form sent back has an error on any of the
// fields (to unfold the block that holds them).
func (v *view) HasErrors(names ...string) bool {
	if v.Form == nil {
		return false
	}
	for _, n := range names {
		if v.Form.Errors[n] != "" {
			return true
		}
	}
	return false
}

// FormError returns the whole-form error, translated.
func (v *view) FormError() string {
	if v.Form == nil {
		return ""
	}
	if v.Form.Error != "" {
		var args []any
		for k, a := range v.Form.Args {
			args = append(args, k, a)
		}
		return v.T(v.Form.Error, args...)
	}
	if len(v.Form.Errors) > 0 {
		return v.T("error.form")
	}
	return ""
}

func (s *Server) loc(r *http.Request) *i18n.Localizer { return s.cat.Localizer(s.lang(r)) }

func (s *Server) newView(r *http.Request, title string) *view {
	lang := s.lang(r)
	v := &view{loc: s.cat.Localizer(lang), srv: s, Lang: lang, Actor: opora.ActorFrom(r.Context()), Title: title,
		Version: s.cfg.Version, Path: r.URL.Path}
	if v.Actor.Can(opora.PermClientRead) {
		n, err := s.store.CountDueReminders(r.Context())
		if err != nil && r.Context().Err() == nil {
			s.log.Error("due reminders", "request_id", requestID(r.Context()), "err", err)
		}
		v.DueReminders = n
	}
	if v.Actor != nil && v.Actor.UserID != 0 {
		n, err := s.store.UnreadNotifications(r.Context())
		if err != nil && r.Context().Err() == nil {
			s.log.Error("unread notifications", "request_id", requestID(r.Context()), "err", err)
		}
		v.UnreadNotifications = n
	}
	return v
}

// render writes a page. The body is rendered to a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) error {
	p, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	if c, err := r.Cookie("flash"); err == nil && s.cat.Has(c.Value) {
		v.Flash = c.Value
		http.SetCookie(w, &http.Cookie{Name: "flash", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
			Secure: s.cfg.SecureCookies})
	}
	v.Status = status
	if v.Actor != nil {
		// The menu is the same on every page of a user with the same
		// permissions in the same section: 18 links, each a permission
		// check and a comparison by reflection.
		h := fnv.New64a()
		h.Write([]byte(v.Nav))
		hashPermissions(h, v.Actor)
		var err error
		if v.NavHTML, err = s.renderFragment(r, "mainnav", h.Sum64(), v); err != nil {
			return err
		}
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := p.of(v).ExecuteTemplate(buf, p.entry, v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// hashPermissions adds the actor's set of permissions to a fragment's key.
func hashPermissions(h hash.Hash64, a *opora.Actor) {
	var b [8]byte
	for i, p := range opora.AllPermissions {
		if a.Can(p) {
			binary.LittleEndian.PutUint64(b[:], uint64(i))
			h.Write(b[:])
		}
	}
}

// addForm is what a client's add forms ("reminder_form",
// "consent_form") render: the view, the client's number, where the form
// sends the user back, the panel the form belongs to and whether consent
// was recorded before.
type addForm struct {
	V     *view
	ID    int64
	Back  string
	P     any
	Again bool
}

// AddForm is the data of a client's add form on the page the view shows;
// p is the panel the form belongs to.
func (v *view) AddForm(c *opora.Client, p any) *addForm {
	f := &addForm{V: v, ID: c.ID, Back: v.ReturnPath(), P: p}
	if cp, ok := p.(*consentPanel); ok {
		f.Again = len(cp.Consents) > 0
	}
	return f
}

// buffers keeps the pages' render buffers for reuse: growing a fresh one to
// a page's size was a fifth of the bytes a page allocated.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

// putBuffer returns a buffer to the pool; an unusually large one (a long
// report) is left to the collector rather than kept.
func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// redirect sends the browser on after a successful POST, with a flash message.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Value: flash, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
			Secure: s.cfg.SecureCookies, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// statusClientClosed is the status logged for a request its browser
// abandoned (nginx's 499; never seen by a browser).
const statusClientClosed = 499

// fail is the one place that turns errors into responses.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if ctx.Err() != nil {
		// The browser went away (a closed tab, a report left waiting) and the
		// request's queries were stopped: nothing failed, nobody is there to
		// read a page. The request's log line says 499, as proxies do.
		w.WriteHeader(statusClientClosed)
		return
	}
	code := opora.ErrorCode(err)
	status := http.StatusInternalServerError
	switch code {
	case opora.EUNAUTHORIZED:
		next := ""
		if r.Method == http.MethodGet {
			next = "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, "/login"+next, http.StatusSeeOther)
		return
	case opora.ENOTFOUND:
		status = http.StatusNotFound
	case opora.EFORBIDDEN:
		status = http.StatusForbidden
		if a := opora.ActorFrom(ctx); a != nil {
			if aerr := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "route",
				Section: r.Method + " " + r.Pattern}); aerr != nil {
				s.log.Error("audit denied failed", "request_id", requestID(ctx), "err", aerr)
			}
		}
	case opora.EINVALID:
		status = http.StatusBadRequest
	case opora.ECONFLICT:
		status = http.StatusConflict
	default:
		s.log.Error("request failed", "request_id", requestID(ctx), "route", r.Pattern, "err", err)
	}
	v := s.newView(r, "error.title."+strconv.Itoa(status))
	v.Data = map[string]any{"Code": status, "Message": opora.ErrorMessage(err), "RequestID": requestID(ctx)}
	if rerr := s.render(w, r, status, "error", v); rerr != nil {
		s.log.Error("error page failed", "request_id", requestID(ctx), "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// pageNum reads ?page=N (1-based).
func pageNum(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager is the data for the "pager" partial.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

func newPager(r *http.Request, page, perPage, total int) pager {
	p := pager{Page: page, Total: total, Pages: (total + perPage - 1) / perPage}
	q := r.URL.Query()
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		p.Prev = "?" + q.Encode()
	}
	if page < p.Pages {
		q.Set("page", strconv.Itoa(page+1))
		p.Next = "?" + q.Encode()
	}
	return p
}

// formID parses an id path value; garbage answers 404 like a missing record.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, opora.ErrNotFound
	}
	return id, nil
}

func formIDs(vals []string) []int64 {
	var out []int64
	for _, s := range vals {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// fragmentCache keeps rendered pieces of pages (renderFragment).
type fragmentCache struct {
	mu sync.Mutex
	m  map[fragmentKey]template.HTML
}

type fragmentKey struct {
	name, lang string
	sum        uint64
}

// renderFragment renders the template name in the request's language with
// data the first time, and returns the same HTML from memory after. Only
// for pieces that depend on nothing but the language and what sum hashes:
// whatever of data the template reads must be in the hash. At most
// maxFragments pieces are kept; the cache starts over when full.
func (s *Server) renderFragment(r *http.Request, name string, sum uint64, data any) (template.HTML, error) {
	return s.cachedFragment(s.lang(r), name, sum, data)
}

// maxFragments bounds the fragment cache: menus, catalogs and option lists
// of a few hundred organisations.
const maxFragments = 1024

func (s *Server) cachedFragment(lang, name string, sum uint64, data any) (template.HTML, error) {
	key := fragmentKey{name, lang, sum}
	s.fragments.mu.Lock()
	h, ok := s.fragments.m[key]
	s.fragments.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := s.execFragment(lang, name, data)
	if err != nil {
		return "", err
	}
	s.fragments.mu.Lock()
	if s.fragments.m == nil || len(s.fragments.m) >= maxFragments {
		s.fragments.m = map[fragmentKey]template.HTML{}
	}
	s.fragments.m[key] = h
	s.fragments.mu.Unlock()
	return h, nil
}

// execFragment renders the template name in a language, uncached.
func (s *Server) execFragment(lang, name string, data any) (template.HTML, error) {
	var set *template.Template
	for _, p := range s.pages { // every page of a language shares one set
		set = p.of(&view{loc: s.cat.Localizer(lang)})
		break
	}
	if set == nil {
		return "", fmt.Errorf("web: no templates")
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("web: fragment %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil
}

// Ticked reports whether a checkbox value is ticked on a form: as sent
// when the form came back refused (a field of it, marker, was posted),
// else by default.
func (v *view) Ticked(marker, name, value string, def bool) bool {
	if v.Form == nil || !v.Form.Values.Has(marker) {
		return def
	}
	return slices.Contains(v.Form.Values[name], value)
}

// ConsentLink is where a form refused for want of consent (the
// questionnaire, a filling of a client's form) sends the user to record
// it: the client's consent form. "" for other forms.
func (v *view) ConsentLink() string {
	if v.Form == nil || !strings.HasPrefix(v.Form.Error, "questionnaire.error.consent") {
		return ""
	}
	rest, ok := strings.CutPrefix(v.Path, "/clients/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return ""
	}
	return "/clients/" + id + "/documents#consent-form"
}

// ReturnPath is where a client's form on this page sends the user back:
// the "back" the refused form carried (the page it was sent from), else
// the page itself.
func (v *view) ReturnPath() string {
	if v.Form != nil {
		if b := v.Form.Values.Get("back"); strings.HasPrefix(b, "/clients/") {
			return b
		}
	}
	return v.Path
}
