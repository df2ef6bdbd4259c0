package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Plan templates administration (dictionary.manage): a template is a name
// and rows of task type, description and due offset in days.

// extraTemplateRows is how many empty task rows the form offers.
const extraTemplateRows = 3

func (s *Server) planTemplateList(w http.ResponseWriter, r *http.Request) error {
	tpls, err := s.store.PlanTemplates(r.Context(), true)
	if err != nil {
		return err
	}
	v := s.newView(r, "plantemplates.title")
	v.Nav = "plantemplates"
	v.Data = tpls
	return s.render(w, r, http.StatusOK, "plantemplates_list", v)
}

// templateRow is one task row of the form.
type templateRow struct {
	Index                  int
	TypeID, Description    string
	Days                   string
	TypeError, OtherErrors string
}

func templateValues(p *opora.PlanTemplate) url.Values {
	v := url.Values{}
	v.Set("name", p.Name)
	if p.Disabled {
		v.Set("disabled", "1")
	}
	for _, it := range p.Items {
		v.Add("item_type", idString(it.TypeID))
		v.Add("item_description", it.Description)
		v.Add("item_days", strconv.Itoa(it.DueDays))
	}
	return v
}

func (s *Server) renderPlanTemplateForm(w http.ResponseWriter, r *http.Request, status int, p *opora.PlanTemplate, f *form) error {
	types, err := s.store.CaseDictionary(r.Context(), opora.DictTaskType, false)
	if err != nil {
		return err
	}
	l := s.loc(r)
	opts := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, t := range types {
		opts = append(opts, option{Value: idString(t.ID), Label: t.Label})
	}
	vals := f.Values
	n := len(vals["item_type"])
	var rows []templateRow
	for i := 0; i < n+extraTemplateRows; i++ {
		row := templateRow{Index: i}
		if i < n {
			row.TypeID = vals["item_type"][i]
			row.Description = at(vals["item_description"], i)
			row.Days = at(vals["item_days"], i)
		}
		rows = append(rows, row)
	}
	title := "plantemplates.new"
	if p != nil && p.ID != 0 {
		title = "plantemplates.edit"
	}
	v := s.newView(r, title)
	v.Nav = "plantemplates"
	v.Form = f
	v.Data = map[string]any{"Template": p, "Rows": rows, "Types": opts}
	return s.render(w, r, status, "plantemplates_form", v)
}

func at(vals []string, i int) string {
	if i < len(vals) {
		return vals[i]
	}
	return ""
}

func (s *Server) planTemplateNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderPlanTemplateForm(w, r, http.StatusOK, nil, newForm(nil, nil))
}

func (s *Server) planTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.store.PlanTemplate(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderPlanTemplateForm(w, r, http.StatusOK, p, newForm(templateValues(p), nil))
}

// parsePlanTemplate reads the form; rows left without a type and a
// description are dropped, and so are their values in the form.
func parsePlanTemplate(f url.Values) (*opora.PlanTemplate, *opora.Validation) {
	var v opora.Validation
	p := &opora.PlanTemplate{Name: f.Get("name"), Disabled: f.Get("disabled") == "1"}
	types, descs, days := f["item_type"], f["item_description"], f["item_days"]
	var kt, kd, kn []string
	for i := range types {
		typ, desc, d := strings.TrimSpace(types[i]), strings.TrimSpace(at(descs, i)), strings.TrimSpace(at(days, i))
		if typ == "" && desc == "" {
			continue
		}
		it := &opora.PlanTemplateItem{Description: desc}
		it.TypeID, _ = strconv.ParseInt(typ, 10, 64)
		n, err := strconv.Atoi(d)
		if err != nil {
			v.Add("items", "plantemplates.error.item_days")
		}
		it.DueDays = n
		p.Items = append(p.Items, it)
		kt, kd, kn = append(kt, typ), append(kd, desc), append(kn, d)
	}
	f["item_type"], f["item_description"], f["item_days"] = kt, kd, kn
	return p, &v
}

func (s *Server) planTemplateSave(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	var cur *opora.PlanTemplate
	if id != 0 {
		var err error
		if cur, err = s.store.PlanTemplate(ctx, id); err != nil {
			return err
		}
	}
	p, v := parsePlanTemplate(r.PostForm)
	p.ID = id
	err := v.Err()
	if err == nil {
		err = s.store.SavePlanTemplate(ctx, p)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderPlanTemplateForm(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
		}
		return err
	}
	flash := "common.saved"
	if id == 0 {
		flash = "common.created"
	}
	return s.redirect(w, r, "/admin/plan-templates", flash)
}

func (s *Server) planTemplateCreate(w http.ResponseWriter, r *http.Request) error {
	return s.planTemplateSave(w, r, 0)
}

func (s *Server) planTemplateUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.planTemplateSave(w, r, id)
}
