package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The early screening list (issue 23, item 3): per municipality, families
// and persons without an open case whose recent data match an early-crisis
// rule, each with the reason, for an offer of help. The store chooses,
// matches and audit-logs the rows (store/screening.go); this file lays
// them out and records what a worker did. A row's form names its fields
// with the row's key (outcome_f12, comment_c34) so that an error shows
// next to that row only.

// screenLine is one row as the page shows it.
type screenLine struct {
	Key        string // f<family id> or c<client id>
	Row        *opora.ScreenRow
	Href       string // the family card or the client record
	Reasons    []screenReason
	LatestFact string
}

// screenReason is a matching rule: the likely difficulty and why.
type screenReason struct {
	Difficulty string
	Because    string
}

// screenData is .Data of the page.
type screenData struct {
	Municipalities []option
	Fixed          string // the only municipality, when the organisation sits in one
	Filters        []option
	Outcomes       []option
	Lines          []*screenLine
	Total          int
	Pager          pager
	Query          template.URL // the filter, for the forms' action
	Failed         string       // the key of the row whose form was refused
}

// screenFilterFrom reads the filter from the query: the municipality (the
// first one offered when not given), which rows, the page.
func screenFilterFrom(vals url.Values, ch *store.ScreeningChoices) opora.ScreenFilter {
	f := opora.ScreenFilter{Outcome: vals.Get("show")}
	f.TerritoryID, _ = strconv.ParseInt(vals.Get("territory"), 10, 64)
	if vals.Get("territory") == "" && len(ch.Municipalities) > 0 {
		f.TerritoryID = ch.Municipalities[0].ID
	}
	f.Page, _ = strconv.Atoi(vals.Get("page"))
	f.Page = max(f.Page, 1)
	return f
}

func (s *Server) screeningPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderScreening(w, r, http.StatusOK, "", nil)
}

// renderScreening shows the list; failed and f carry a refused row form.
func (s *Server) renderScreening(w http.ResponseWriter, r *http.Request, status int, failed string, f *form) error {
	ctx := r.Context()
	ch, err := s.store.ScreeningChoices(ctx)
	if err != nil {
		return err
	}
	vals := r.URL.Query()
	flt := screenFilterFrom(vals, ch)
	l := s.loc(r)
	d := &screenData{Failed: failed}
	if ch.Fixed && len(ch.Municipalities) == 1 {
		d.Fixed = ch.Municipalities[0].Name
	} else {
		for _, t := range ch.Municipalities {
			d.Municipalities = append(d.Municipalities, option{Value: idString(t.ID), Label: t.Name})
		}
	}
	for _, k := range opora.ScreenFilters {
		d.Filters = append(d.Filters, option{Value: k, Label: l.T("screening.filter." + cmpOr(k, "open"))})
	}
	for _, k := range opora.ScreenOutcomes {
		d.Outcomes = append(d.Outcomes, option{Value: k, Label: l.T("screening.outcome." + k)})
	}
	q := url.Values{"territory": {idString(flt.TerritoryID)}, "show": {flt.Outcome}}
	if flt.Page > 1 {
		q.Set("page", strconv.Itoa(flt.Page))
	}
	d.Query = template.URL(q.Encode()) // url.Values.Encode: safe after "?"
	v := s.newView(r, "screening.title")
	v.Nav = "screening"
	v.Data = d
	filterForm := url.Values{"territory": {idString(flt.TerritoryID)}, "show": {flt.Outcome}}
	if f == nil {
		f = newForm(filterForm, nil)
	} else {
		for k, x := range filterForm {
			f.Values[k] = x
		}
	}
	v.Form = f
	if len(ch.Municipalities) == 0 {
		return s.render(w, r, status, "screening", v)
	}
	page, err := s.store.Screening(ctx, flt)
	if fe := opora.FieldErrors(err); len(fe) > 0 {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		for k, x := range fe {
			if k == "outcome" {
				k = "show"
			}
			f.Errors[k] = x
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "screening", v)
	}
	if err != nil {
		return err
	}
	d.Total = page.Total
	d.Pager = newPager(r, flt.Page, store.ScreenPerPage, page.Total)
	for _, row := range page.Rows {
		line := &screenLine{Row: row, LatestFact: row.LatestFact.Format("02.01.2006")}
		if row.FamilyID != 0 {
			line.Key, line.Href = "f"+idString(row.FamilyID), "/families/"+idString(row.FamilyID)
		} else {
			line.Key, line.Href = "c"+idString(row.ClientID), "/clients/"+idString(row.ClientID)
		}
		for _, m := range row.Matches {
			line.Reasons = append(line.Reasons, screenReason{Difficulty: m.Difficulty, Because: becauseText(l, m.Because, "")})
		}
		d.Lines = append(d.Lines, line)
	}
	return s.render(w, r, status, "screening", v)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// screeningRecord records what a worker did about a row of the list.
func (s *Server) screeningRecord(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	key := r.PostForm.Get("subject")
	if len(key) < 2 || (key[0] != 'f' && key[0] != 'c') {
		return opora.ErrNotFound
	}
	id, err := strconv.ParseInt(key[1:], 10, 64)
	if err != nil || id <= 0 {
		return opora.ErrNotFound
	}
	x := &opora.ScreeningAction{Outcome: r.PostForm.Get("outcome_" + key), Comment: r.PostForm.Get("comment_" + key)}
	if key[0] == 'f' {
		x.FamilyID = id
	} else {
		x.ClientID = id
	}
	if err := s.store.RecordScreening(r.Context(), x); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		var v opora.Validation
		for field, msg := range opora.FieldErrors(err) {
			v.Add(field+"_"+key, msg)
		}
		return s.renderScreening(w, r, http.StatusUnprocessableEntity, key, newForm(r.PostForm, v.Err()))
	}
	return s.redirect(w, r, "/screening?"+r.URL.RawQuery, "screening.recorded")
}
