package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// The network administrator's table of need-to-know access to family
// cards (/admin/family-sections): which sections of the card each agency
// type reads when it has a task on the family, and for how many days after
// its last task closed. The КДН, the curator's organisation and the card's
// holder read the whole card whatever it says.

// familySectionRow is one agency type's line of the table.
type familySectionRow struct {
	Type  opora.OrgType
	Label string
	Cells []familySectionCell
}

type familySectionCell struct {
	Section opora.FamilySection
	Label   string
	On      bool
}

func (s *Server) familySections(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.store.FamilySectionRules(r.Context())
	if err != nil {
		return err
	}
	return s.renderFamilySections(w, r, http.StatusOK, rules, newForm(url.Values{"task_access_days": {strconv.Itoa(rules.TaskAccessDays)}}, nil))
}

func (s *Server) renderFamilySections(w http.ResponseWriter, r *http.Request, status int, rules *opora.FamilySectionRules, f *form) error {
	l := s.loc(r)
	var rows []familySectionRow
	for _, t := range opora.OrgTypes {
		if t == opora.OrgNGO {
			continue // NGOs are outside the regional network's families
		}
		row := familySectionRow{Type: t, Label: l.T("orgtype." + string(t))}
		for _, sec := range opora.FamilySections {
			row.Cells = append(row.Cells, familySectionCell{Section: sec, Label: l.T("family.section." + string(sec)),
				On: slices.Contains(rules.Sections[t], sec)})
		}
		rows = append(rows, row)
	}
	var heads []string
	for _, sec := range opora.FamilySections {
		heads = append(heads, l.T("family.section."+string(sec)))
	}
	v := s.newView(r, "family.sections.title")
	v.Nav = "network"
	v.Data = map[string]any{"Rows": rows, "Heads": heads}
	v.Form = f
	return s.render(w, r, status, "family_sections", v)
}

func (s *Server) familySectionsSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	rules := &opora.FamilySectionRules{Sections: map[opora.OrgType][]opora.FamilySection{}}
	var v opora.Validation
	days, err := strconv.Atoi(f.Get("task_access_days"))
	if err != nil {
		v.Add("task_access_days", "family.sections.error.days")
	}
	rules.TaskAccessDays = days
	for _, t := range opora.OrgTypes {
		for _, sec := range f["s."+string(t)] {
			rules.Sections[t] = append(rules.Sections[t], opora.FamilySection(sec))
		}
	}
	err = v.Err()
	if err == nil {
		err = s.store.SaveFamilySectionRules(r.Context(), rules)
	}
	if err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderFamilySections(w, r, http.StatusUnprocessableEntity, rules, newForm(f, err))
	}
	return s.redirect(w, r, "/admin/family-sections", "common.saved")
}
