package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Personal data (issue 22 item 4): the person's own report — a printable
// page and a JSON file — and the register of persons' requests with their
// ten-working-day deadline.

// personReport shows what the organisation holds about a client, ready
// for the printer. The store audit-logs it.
func (s *Server) personReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.store.PersonReport(r.Context(), id)
	if err != nil {
		return err
	}
	l := s.loc(r)
	sections := make([]personSectionView, 0, len(rep.Sections))
	for _, sec := range rep.Sections {
		sections = append(sections, personSectionView{PersonSection: sec, Cells: personCells(l.T, sec)})
	}
	views := make([]personViewLine, 0, len(rep.Views))
	for _, pv := range rep.Views {
		views = append(views, personViewLine{PersonView: pv, SectionText: personViewSection(l.T, pv.Section)})
	}
	v := s.newView(r, "person.title")
	v.Nav = "privacy"
	v.Data = map[string]any{"Report": rep, "Bases": personBases(l.T, rep.Bases), "Sections": sections, "Views": views,
		"Retention": personRetention(l.T, rep.Retention)}
	return s.render(w, r, http.StatusOK, "privacy_person", v)
}

// personSectionView is a section with its values as the page shows them.
type personSectionView struct {
	*opora.PersonSection
	Cells [][]string
}

// personViewLine is an audit row with its section as words.
type personViewLine struct {
	*opora.PersonView
	SectionText string
}

// personCells are a section's rows with coded values (a status, a role)
// in words.
func personCells(t func(string, ...any) string, sec *opora.PersonSection) [][]string {
	out := make([][]string, len(sec.Rows))
	for r, row := range sec.Rows {
		out[r] = make([]string, len(row))
		for i, v := range row {
			out[r][i] = v
			if key := sec.Label(i, v); key != "" {
				if w := t(key); w != key {
					out[r][i] = w
				}
			}
		}
	}
	return out
}

// personViewSection names the part of the record an audit row says was
// opened, in words where the catalog has them.
func personViewSection(t func(string, ...any) string, section string) string {
	if section == "" {
		return ""
	}
	if w := t("person.view." + section); w != "person.view."+section {
		return w
	}
	return section
}

// personReportFile is the machine-readable report: the same sections with
// their column names, the views, the recipients and the bases.
type personReportFile struct {
	Organisation string                `json:"organisation"`
	MadeAt       string                `json:"made_at"`
	MadeBy       string                `json:"made_by"`
	Person       map[string]string     `json:"person"`
	Sections     []personReportSection `json:"sections"`
	Views        []map[string]string   `json:"views"`
	Recipients   []string              `json:"recipients"`
	Bases        []string              `json:"bases"`
	Retention    []string              `json:"retention"`
}

type personReportSection struct {
	Key     string              `json:"key"`
	Title   string              `json:"title"`
	Records []map[string]string `json:"records"`
}

// personReportJSON downloads the report as JSON.
func (s *Server) personReportJSON(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.store.PersonReport(r.Context(), id)
	if err != nil {
		return err
	}
	l := s.loc(r)
	c := rep.Client
	f := personReportFile{Organisation: rep.Organisation, MadeAt: rep.MadeAt.UTC().Format("2006-01-02T15:04:05Z"), MadeBy: rep.MadeBy,
		Person: map[string]string{"number": idString(c.ID), "surname": c.Surname, "first_name": c.FirstName, "patronymic": c.Patronymic,
			"birth_date": dateText(c.BirthDate), "birth_year": yearText(c.BirthYear), "birth_place": c.BirthPlace,
			"gender": string(c.Gender), "homeless_status": string(c.HomelessStatus), "registered": c.CreatedAt.UTC().Format("2006-01-02")},
		Recipients: rep.Recipients, Bases: personBases(l.T, rep.Bases), Retention: personRetention(l.T, rep.Retention)}
	for _, sec := range rep.Sections {
		out := personReportSection{Key: sec.Key, Title: l.T("person.section." + sec.Key)}
		for _, row := range personCells(l.T, sec) {
			rec := map[string]string{}
			for i, col := range sec.Columns {
				rec[col] = row[i]
			}
			out.Records = append(out.Records, rec)
		}
		f.Sections = append(f.Sections, out)
	}
	for _, v := range rep.Views {
		f.Views = append(f.Views, map[string]string{"at": v.At.UTC().Format("2006-01-02T15:04:05Z"), "user": v.User,
			"organisation": v.Organisation, "action": v.Action, "section": v.Section})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="person-%d.json"`, c.ID))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

func dateText(d opora.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Format("2006-01-02")
}

func yearText(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}

// personBases turns the store's basis lines ("consent:dd.mm.yyyy") into text.
func personBases(t func(string, ...any) string, bases []string) []string {
	out := make([]string, 0, len(bases))
	for _, b := range bases {
		if d, ok := cutPrefix(b, "consent:"); ok {
			out = append(out, t("person.basis.consent", "Date", d))
			continue
		}
		out = append(out, b)
	}
	return out
}

// personRetention turns the store's retention lines (rule names, and
// "due:dd.mm.yyyy" when the person is due) into text.
func personRetention(t func(string, ...any) string, lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, x := range lines {
		if d, ok := cutPrefix(x, "due:"); ok {
			out = append(out, t("person.retention_due", "Date", d))
			continue
		}
		out = append(out, t("person.retention_rule", "Rule", x))
	}
	return out
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// subjectRequests lists the register with the form for a new request.
func (s *Server) subjectRequests(w http.ResponseWriter, r *http.Request) error {
	vals := url.Values{"received_on": {s.store.Today().Format("2006-01-02")}, "kind": {"access"}}
	if c := r.URL.Query().Get("client"); c != "" {
		vals.Set("client", c)
	}
	return s.renderSubjectRequests(w, r, http.StatusOK, newForm(vals, nil))
}

func (s *Server) renderSubjectRequests(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	list, err := s.store.SubjectRequests(r.Context())
	if err != nil {
		return err
	}
	today := s.store.Today()
	l := s.loc(r)
	kinds := make([]option, 0, len(opora.SubjectRequestKinds))
	for _, k := range opora.SubjectRequestKinds {
		kinds = append(kinds, option{Value: k, Label: l.T("privacy.kind." + k)})
	}
	open, overdue := 0, 0
	for _, q := range list {
		if q.Open() {
			open++
		}
		if q.Overdue(today) {
			overdue++
		}
	}
	var client *opora.Client
	if id, err := strconv.ParseInt(f.Values.Get("client"), 10, 64); err == nil && id > 0 {
		client, _ = s.store.Client(r.Context(), id) // a wrong number is the store's field error on save
	}
	v := s.newView(r, "privacy.requests")
	v.Nav = "privacy"
	v.Form = f
	v.Data = map[string]any{"Requests": list, "Today": today, "Kinds": kinds, "Open": open, "Overdue": overdue,
		"Client": client, "SoonDays": 3}
	return s.render(w, r, status, "privacy_requests", v)
}

// subjectRequestCreate registers a request.
func (s *Server) subjectRequestCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	q := &opora.SubjectRequest{Requester: f.Get("requester"), Kind: f.Get("kind"), Details: f.Get("details")}
	var v opora.Validation
	if d, ok := opora.ParseDate(f.Get("received_on")); ok {
		q.ReceivedOn = d
	} else {
		v.Add("received_on", "error.date")
	}
	if c := f.Get("client"); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			v.Add("client", "error.invalid_choice")
		}
		q.ClientID = id
	}
	if err := v.Err(); err != nil {
		return s.renderSubjectRequests(w, r, http.StatusUnprocessableEntity, newForm(f, err))
	}
	if err := s.store.CreateSubjectRequest(r.Context(), q); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderSubjectRequests(w, r, st, newForm(f, err))
		}
		return err
	}
	return s.redirect(w, r, "/privacy/requests/"+idString(q.ID), "privacy.request_created")
}

// subjectRequest shows one request with the answer form.
func (s *Server) subjectRequest(w http.ResponseWriter, r *http.Request) error {
	return s.renderSubjectRequest(w, r, http.StatusOK, newForm(url.Values{"answered_on": {s.store.Today().Format("2006-01-02")}}, nil))
}

func (s *Server) renderSubjectRequest(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.store.SubjectRequest(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.newView(r, "privacy.request")
	v.Nav = "privacy"
	v.Form = f
	v.Data = map[string]any{"Request": q, "Today": s.store.Today()}
	return s.render(w, r, status, "privacy_request", v)
}

// subjectRequestAnswer records the reply.
func (s *Server) subjectRequestAnswer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	d, ok := opora.ParseDate(f.Get("answered_on"))
	if !ok {
		var v opora.Validation
		v.Add("answered_on", "error.date")
		return s.renderSubjectRequest(w, r, http.StatusUnprocessableEntity, newForm(f, v.Err()))
	}
	if err := s.store.AnswerSubjectRequest(r.Context(), id, d, f.Get("answer")); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderSubjectRequest(w, r, st, newForm(f, err))
		}
		return err
	}
	return s.redirect(w, r, "/privacy/requests/"+idString(id), "privacy.request_answered")
}

// privacyOverview is the administrator's privacy page: the special
// categories with their fields, who may see them, and the work waiting.
func (s *Server) privacyOverview(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.PrivacyOverview(r.Context())
	if err != nil {
		return err
	}
	l := s.loc(r)
	roles := map[opora.Sensitivity][]string{}
	for _, c := range p.Categories {
		for _, ro := range c.Roles {
			roles[c.Sensitivity] = append(roles[c.Sensitivity], roleName(l.T, ro))
		}
	}
	v := s.newView(r, "privacy.title")
	v.Nav = "privacy"
	v.Data = map[string]any{"P": p, "Roles": roles}
	return s.render(w, r, http.StatusOK, "privacy_overview", v)
}
