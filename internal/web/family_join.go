package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Joining two family cards (issue 20, store.MergeFamilies): from the card,
// «Объединить с другой карточкой» finds the other card by the family
// search, compares the two and joins them; the merged-away card then
// redirects to the survivor (renderFamilyCard).

// familyJoinData is the join page.
type familyJoinData struct {
	Family   *opora.Family
	Query    string
	Searched bool
	Found    []*opora.Family
	Other    *opora.Family // the card picked to join with
	Rows     []mergeLine   // the comparison: this card (A), the other (B)
}

func (s *Server) familyJoinForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	other, _ := strconv.ParseInt(r.URL.Query().Get("with"), 10, 64)
	return s.renderFamilyJoin(w, r, http.StatusOK, id, other, nil)
}

func (s *Server) renderFamilyJoin(w http.ResponseWriter, r *http.Request, status int, id, otherID int64, f *form) error {
	ctx := r.Context()
	d := &familyJoinData{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if err := s.mayEditFamily(r, id); err != nil {
		return err
	}
	var err error
	if d.Family, err = s.store.Family(ctx, id); err != nil {
		return err
	}
	if d.Family.MergedInto != 0 {
		return s.redirect(w, r, "/families/"+idString(d.Family.MergedInto)+"/join", "family.join.merged_redirect")
	}
	if d.Query != "" {
		d.Searched = true
		found, err := s.store.SearchFamilies(ctx, store.FamilySearch{Query: d.Query, Limit: 20})
		if err != nil {
			return err
		}
		for _, o := range found {
			if o.ID != id {
				d.Found = append(d.Found, o)
			}
		}
	}
	if otherID != 0 && otherID != id {
		o, err := s.store.Family(ctx, otherID)
		if err != nil {
			return err
		}
		if o.MergedInto == 0 {
			d.Other = o
			if d.Rows, err = s.familyJoinLines(r, d.Family, o); err != nil {
				return err
			}
		}
	}
	if f == nil {
		f = newForm(url.Values{"q": {d.Query}, "with": {idText(otherID)}, "into": {idString(id)}}, nil)
	}
	v := s.newView(r, "family.join.title")
	v.Nav = "families"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "families_join", v)
}

// familyJoinLines compares two cards: members, address, status, curator
// and open case, holder, signals.
func (s *Server) familyJoinLines(r *http.Request, a, b *opora.Family) ([]mergeLine, error) {
	ctx := r.Context()
	l := s.loc(r)
	members := func(f *opora.Family) string {
		var names []string
		for _, m := range f.Members {
			if m.LeftOn.IsZero() {
				names = append(names, m.Client.FullName()+" ("+l.T("family.role."+string(m.Role))+")")
			}
		}
		return strings.Join(names, ", ")
	}
	curator := func(f *opora.Family) (string, error) {
		if f.CuratorName == "" {
			return "", nil
		}
		out := f.CuratorName + ", " + f.CuratorOrgName
		k, err := s.store.FamilyCase(ctx, f.ID)
		if err == nil && k.Status == "open" {
			out += " · " + l.T("family.case") + " " + l.T("family.since") + " " + k.OpenedOn.Format("02.01.2006")
		} else if err != nil && opora.ErrorCode(err) != opora.ENOTFOUND {
			return "", err
		}
		return out, nil
	}
	signals := func(f *opora.Family) (string, error) {
		sg, err := s.store.FamilySignals(ctx, f.ID)
		return strconv.Itoa(len(sg)), err
	}
	line := func(label, x, y string) mergeLine {
		return mergeLine{Label: l.T(label), A: x, B: y, Differ: x != y}
	}
	ca, err := curator(a)
	if err != nil {
		return nil, err
	}
	cb, err := curator(b)
	if err != nil {
		return nil, err
	}
	sa, err := signals(a)
	if err != nil {
		return nil, err
	}
	sb, err := signals(b)
	if err != nil {
		return nil, err
	}
	return []mergeLine{
		line("merge.number", "№ "+idString(a.ID), "№ "+idString(b.ID)),
		line("family.members", members(a), members(b)),
		line("family.field.address", a.Address, b.Address),
		line("family.field.territory", a.TerritoryName, b.TerritoryName),
		line("family.field.status", a.StatusLabel, b.StatusLabel),
		line("family.field.curator", ca, cb),
		line("family.join.holder", a.OrgName, b.OrgName),
		line("family.signals", sa, sb),
		line("merge.created", a.CreatedAt.Local().Format("02.01.2006"), b.CreatedAt.Local().Format("02.01.2006")),
	}, nil
}

func (s *Server) familyJoin(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	other, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("with")), "№"), 10, 64)
	into, _ := strconv.ParseInt(r.PostForm.Get("into"), 10, 64)
	if into != other {
		into = id // the card the join started from stays unless the other was chosen
	}
	from := other
	if into == other {
		from = id
	}
	if other == 0 {
		var v opora.Validation
		v.Add("with", "error.required")
		err = v.Err()
	} else {
		err = s.store.MergeFamilies(r.Context(), from, into)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderFamilyJoin(w, r, http.StatusUnprocessableEntity, id, other, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/families/"+idString(into), "family.join.done")
}
