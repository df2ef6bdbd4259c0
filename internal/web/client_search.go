package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Client search (one box for names, dates, years and numbers, plus filters)
// and merging duplicates. A search is not a view of any profile: nothing is
// audit-logged per result, and the request log never carries the query.

const searchPerPage = 25

// searchRow is one found client with what the list shows beside the name.
type searchRow struct {
	Client       *opora.Client
	Branch       string
	Restrictions []*opora.Restriction
}

// searchFilterFrom reads the search form. Questionnaire filters come as
// f<field id>=<option id>; the store refuses fields the actor may not see.
func searchFilterFrom(q url.Values) store.SearchFilter {
	f := store.SearchFilter{Query: strings.TrimSpace(q.Get("q")), Options: map[int64][]int64{}}
	f.BranchID, _ = strconv.ParseInt(q.Get("branch"), 10, 64)
	switch g := opora.Gender(q.Get("gender")); g {
	case opora.GenderMale, opora.GenderFemale:
		f.Gender = g
	}
	switch h := opora.HomelessStatus(q.Get("homeless")); h {
	case opora.Homeless, opora.Housed, opora.AtRiskOfLoss:
		f.HomelessStatus = h
	}
	f.AgeMin, _ = strconv.Atoi(strings.TrimSpace(q.Get("age_min")))
	f.AgeMax, _ = strconv.Atoi(strings.TrimSpace(q.Get("age_max")))
	f.AgeMin, f.AgeMax = max(f.AgeMin, 0), max(f.AgeMax, 0)
	for k, vals := range q {
		id, ok := strings.CutPrefix(k, "f")
		if !ok {
			continue
		}
		fid, err := strconv.ParseInt(id, 10, 64)
		if err != nil || fid <= 0 {
			continue
		}
		if opts := formIDs(vals); len(opts) > 0 {
			f.Options[fid] = opts
		}
	}
	return f
}

// searchRows adds branch names and active restrictions to found clients.
func (s *Server) searchRows(r *http.Request, cs []*opora.Client) ([]searchRow, error) {
	ctx := r.Context()
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, b := range branches {
		names[b.ID] = b.Name
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	flags, err := s.store.ActiveRestrictions(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]searchRow, len(cs))
	for i, c := range cs {
		rows[i] = searchRow{Client: c, Branch: names[c.BranchID], Restrictions: flags[c.ID]}
	}
	return rows, nil
}

func (s *Server) clientSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := searchFilterFrom(q)
	page := pageNum(r)
	f.Offset, f.Limit = (page-1)*searchPerPage, searchPerPage
	fields, err := s.store.SearchFields(ctx)
	if err != nil {
		return err
	}
	opts, err := s.clientFormOptions(r)
	if err != nil {
		return err
	}
	l := s.loc(r)
	branches := append([]option{{Value: "", Label: l.T("common.all")}}, opts["branches"]...)
	gender := append([]option{{Value: "", Label: l.T("common.all")}}, opts["gender"][1:]...)
	homeless := append([]option{{Value: "", Label: l.T("common.all")}}, opts["homeless"][1:]...)
	searched := f.Query != "" || f.BranchID != 0 || f.Gender != "" || f.HomelessStatus != "" || f.AgeMin > 0 ||
		f.AgeMax > 0 || len(f.Options) > 0
	var rows []searchRow
	var res *store.SearchResult
	if searched {
		if res, err = s.store.SearchClients(ctx, f); err != nil {
			return err
		}
		if rows, err = s.searchRows(r, res.Clients); err != nil {
			return err
		}
	}
	var filterFields []searchFieldView
	for _, sf := range fields {
		fv := searchFieldView{Name: "f" + idString(sf.ID), Label: sf.Label, Options: []option{{Value: "", Label: l.T("common.all")}}}
		for _, o := range sf.Options {
			fv.Options = append(fv.Options, option{Value: idString(o.ID), Label: o.Label})
		}
		filterFields = append(filterFields, fv)
	}
	v := s.newView(r, "search.title")
	v.Nav = "clients"
	v.Form = newForm(q, nil)
	data := map[string]any{"Searched": searched, "Rows": rows, "Fields": filterFields,
		"Branches": branches, "Gender": gender, "Homeless": homeless, "Query": f.Query, "FilterCount": filterCount(f)}
	if res != nil {
		data["Total"], data["More"] = res.Total, res.More
		data["Pager"] = newPager(r, page, searchPerPage, res.Total)
	}
	v.Data = data
	return s.render(w, r, http.StatusOK, "search_results", v)
}

// filterCount counts the filters in force besides the search box, for the
// folded filters' summary.
func filterCount(f store.SearchFilter) int {
	n := len(f.Options)
	for _, set := range []bool{f.BranchID != 0, f.Gender != "", f.HomelessStatus != "", f.AgeMin > 0, f.AgeMax > 0} {
		if set {
			n++
		}
	}
	return n
}

// searchFieldView is a questionnaire filter on the search form.
type searchFieldView struct {
	Name, Label string
	Options     []option
}

// mergeData is what the merge page shows: the survivor, the picked
// duplicate side by side, and search results to pick from.
type mergeData struct {
	*clientView
	Other     *clientView
	Query     string
	Found     []searchRow
	Searched  bool
	OtherRows []mergeLine
}

// mergeLine is one line of the side-by-side comparison.
type mergeLine struct {
	Label, A, B string
	Differ      bool
}

func (s *Server) mergeForm(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "merge")
	if err != nil || !ok {
		return err
	}
	if c.Deleted() {
		return opora.ErrNotFound
	}
	otherID, _ := strconv.ParseInt(r.URL.Query().Get("other"), 10, 64)
	return s.renderMerge(w, r, http.StatusOK, c, otherID, nil)
}

func (s *Server) renderMerge(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, otherID int64, ferr error) error {
	ctx := r.Context()
	d, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	d.Tab = "merge"
	md := &mergeData{clientView: d, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if md.Query != "" {
		res, err := s.store.SearchClients(ctx, store.SearchFilter{Query: md.Query, ExcludeID: c.ID, Limit: 10})
		if err != nil {
			return err
		}
		md.Searched = true
		if md.Found, err = s.searchRows(r, res.Clients); err != nil {
			return err
		}
	}
	if otherID != 0 && otherID != c.ID {
		o, err := s.store.ViewClient(ctx, otherID, "merge")
		if err != nil {
			return err
		}
		if o.MergedInto == 0 {
			if md.Other, err = s.clientData(r, o); err != nil {
				return err
			}
			md.OtherRows = s.mergeLines(r, d, md.Other)
		}
	}
	v := s.newView(r, "merge.title")
	v.Nav = "clients"
	v.Form = newForm(url.Values{"q": {md.Query}}, ferr)
	v.Data = md
	return s.render(w, r, status, "merge_form", v)
}

// mergeLines compares the two profiles field by field.
func (s *Server) mergeLines(r *http.Request, a, b *clientView) []mergeLine {
	l := s.loc(r)
	birth := func(c *opora.Client) string {
		switch c.BirthPrecision {
		case opora.BirthExact:
			return c.BirthDate.Format("02.01.2006")
		case opora.BirthYear:
			return strconv.Itoa(c.BirthYear)
		case opora.BirthAge:
			return "≈ " + strconv.Itoa(c.BirthYear)
		}
		return ""
	}
	enum := func(prefix, v string) string {
		if v == "" {
			return ""
		}
		return l.T(prefix + v)
	}
	line := func(label, x, y string) mergeLine {
		return mergeLine{Label: l.T(label), A: x, B: y, Differ: x != y}
	}
	ca, cb := a.Client, b.Client
	return []mergeLine{
		line("merge.number", "№ "+idString(ca.ID), "№ "+idString(cb.ID)),
		line("clients.field.surname", ca.Surname, cb.Surname),
		line("clients.field.first_name", ca.FirstName, cb.FirstName),
		line("clients.field.patronymic", ca.Patronymic, cb.Patronymic),
		line("clients.field.birth_date", birth(ca), birth(cb)),
		line("clients.field.birth_place", ca.BirthPlace, cb.BirthPlace),
		line("clients.field.gender", enum("gender.", string(ca.Gender)), enum("gender.", string(cb.Gender))),
		line("clients.field.homeless_status", enum("homeless.", string(ca.HomelessStatus)), enum("homeless.", string(cb.HomelessStatus))),
		line("clients.field.branch_id", a.Branch, b.Branch),
		line("clients.field.responsible_id", a.Responsible, b.Responsible),
		line("merge.created", ca.CreatedAt.Local().Format("02.01.2006")+" · "+a.CreatedBy,
			cb.CreatedAt.Local().Format("02.01.2006")+" · "+b.CreatedBy),
	}
}

func (s *Server) mergeSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	other, _ := strconv.ParseInt(r.PostForm.Get("other"), 10, 64)
	if other <= 0 {
		return opora.ErrNotFound
	}
	if err := s.store.MergeClients(r.Context(), id, other); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			c, lerr := s.store.Client(r.Context(), id)
			if lerr != nil {
				return lerr
			}
			return s.renderMerge(w, r, http.StatusUnprocessableEntity, c, 0, err)
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(id), "merge.done")
}
