package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// A family's diagnostic assessments (new, draft, completed, compared) and
// its draft help plan. Every page reads the family through the store's
// Family (familyScope, the card's audit row), so another organisation's
// family is 404.

// assessmentData is the assessment page: a form to fill (new or draft) or
// a completed assessment.
type assessmentData struct {
	Family     *opora.Family
	Assessment *opora.Assessment
	Forms      []*opora.Form // the assessment forms to choose from (new)
	Running    map[int64]int // domain id → the sum of the answers given so far
	RunTotal   int
}

func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request, status int, fam *opora.Family, x *opora.Assessment,
	f *form) error {
	d := &assessmentData{Family: fam, Assessment: x}
	answers := map[int64]int64{}
	if f == nil {
		vals := url.Values{}
		vals.Set("assessed_on", x.AssessedOn.String())
		for id, o := range x.Answers {
			vals.Set("f"+idString(id), idString(o))
		}
		f = newForm(vals, nil)
	}
	for k, v := range f.Values {
		if id, err := strconv.ParseInt(strings.TrimPrefix(k, "f"), 10, 64); err == nil && strings.HasPrefix(k, "f") && len(v) > 0 {
			answers[id], _ = strconv.ParseInt(v[0], 10, 64)
		}
	}
	d.Running, d.RunTotal = x.Def.Score(answers)
	if x.ID == 0 {
		forms, err := s.store.AssessmentForms(r.Context())
		if err != nil {
			return err
		}
		d.Forms = forms
	}
	v := s.newView(r, "assessment.title")
	v.Nav = "families"
	v.Data = d
	v.Form = f
	page := "assessment_form"
	if x.Completed() {
		page = "assessment_view"
	}
	return s.render(w, r, status, page, v)
}

// familyAndID reads the path's family (with the card's audit row).
func (s *Server) familyOf(r *http.Request) (*opora.Family, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Family(r.Context(), id)
}

func (s *Server) assessmentNew(w http.ResponseWriter, r *http.Request) error {
	fam, err := s.familyOf(r)
	if err != nil {
		return err
	}
	formID, _ := strconv.ParseInt(r.URL.Query().Get("form"), 10, 64)
	if formID == 0 {
		forms, err := s.store.AssessmentForms(r.Context())
		if err != nil {
			return err
		}
		if len(forms) == 0 {
			return &opora.Error{Code: opora.ENOTFOUND, Message: "assessment.no_forms"}
		}
		formID = forms[0].ID
	}
	x, err := s.store.BlankAssessment(r.Context(), fam.ID, formID)
	if err != nil {
		return err
	}
	return s.assessmentPage(w, r, http.StatusOK, fam, x, nil)
}

// assessmentFrom reads the posted date and answers into x.
func assessmentFrom(r *http.Request, x *opora.Assessment) error {
	var v opora.Validation
	x.AssessedOn = parseDateField(r.PostForm, "assessed_on", &v)
	if x.AssessedOn.IsZero() {
		v.Add("assessed_on", "error.date")
	}
	x.Answers = map[int64]int64{}
	for _, d := range x.Def.Domains {
		for _, ind := range d.Indicators {
			name := "f" + idString(ind.ID)
			raw := strings.TrimSpace(r.PostForm.Get(name))
			if raw == "" {
				continue
			}
			o, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				v.Add(name, "error.invalid_choice")
				continue
			}
			x.Answers[ind.ID] = o
		}
	}
	return v.Err()
}

func (s *Server) assessmentSave(w http.ResponseWriter, r *http.Request, fam *opora.Family, x *opora.Assessment) error {
	complete := r.PostForm.Get("action") == "complete"
	err := assessmentFrom(r, x)
	if err == nil {
		err = s.store.SaveAssessment(r.Context(), x, complete)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.assessmentPage(w, r, http.StatusUnprocessableEntity, fam, x, newForm(r.PostForm, err))
		}
		return err
	}
	flash := "assessment.saved_draft"
	if complete {
		flash = "assessment.completed"
	}
	return s.redirect(w, r, "/families/"+idString(fam.ID)+"/assessments/"+idString(x.ID), flash)
}

func (s *Server) assessmentCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	fam, err := s.familyOf(r)
	if err != nil {
		return err
	}
	formID, _ := strconv.ParseInt(r.PostForm.Get("form_id"), 10, 64)
	x, err := s.store.BlankAssessment(r.Context(), fam.ID, formID)
	if err != nil {
		return err
	}
	return s.assessmentSave(w, r, fam, x)
}

func (s *Server) assessmentOf(r *http.Request) (*opora.Family, *opora.Assessment, error) {
	fam, err := s.familyOf(r)
	if err != nil {
		return nil, nil, err
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		return nil, nil, err
	}
	x, err := s.store.FamilyAssessment(r.Context(), fam.ID, aid)
	return fam, x, err
}

func (s *Server) assessmentView(w http.ResponseWriter, r *http.Request) error {
	fam, x, err := s.assessmentOf(r)
	if err != nil {
		return err
	}
	return s.assessmentPage(w, r, http.StatusOK, fam, x, nil)
}

func (s *Server) assessmentUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	fam, x, err := s.assessmentOf(r)
	if err != nil {
		return err
	}
	return s.assessmentSave(w, r, fam, x)
}

// assessmentCompareData is the side-by-side page.
type assessmentCompareData struct {
	Family *opora.Family
	Cmp    *store.AssessmentComparison
}

func (s *Server) assessmentCompare(w http.ResponseWriter, r *http.Request) error {
	fam, err := s.familyOf(r)
	if err != nil {
		return err
	}
	cmp, err := s.store.CompareAssessments(r.Context(), fam.ID)
	if err != nil {
		return err
	}
	v := s.newView(r, "assessment.compare")
	v.Nav = "families"
	v.Data = &assessmentCompareData{Family: fam, Cmp: cmp}
	return s.render(w, r, http.StatusOK, "assessment_compare", v)
}

// ---- The draft help plan ----

// familyPlanData is the draft plan page.
type familyPlanData struct {
	Family  *opora.Family
	Plan    *store.DraftPlan
	Options map[string][]option
	EditID  int64 // the task whose form failed, 0 for the new one
	Failed  bool
	Hints   *hintsBlock // the rule hints that fire for the family (hints.go)
}

func (s *Server) planOptions(r *http.Request, p *store.DraftPlan) (map[string][]option, error) {
	ctx := r.Context()
	l := s.loc(r)
	opts := map[string][]option{}
	types, err := s.store.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		return nil, err
	}
	to := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, t := range types {
		to = append(to, option{Value: idString(t.ID), Label: t.Label})
	}
	opts["types"] = to
	ag := []option{{Value: "", Label: l.T("plan.agency_none")}}
	for _, t := range opora.OrgTypes {
		ag = append(ag, option{Value: string(t), Label: l.T("orgtype." + string(t))})
	}
	opts["agencies"] = ag
	ind := []option{{Value: "", Label: l.T("plan.indicator_none")}}
	for _, x := range p.Indicators {
		ind = append(ind, option{Value: idString(x.FieldID), Label: x.Label + " (" + x.Domain + ": " + strconv.Itoa(x.Score) + ")"})
	}
	opts["indicators"] = ind
	templates, err := s.store.PlanTemplates(ctx, false)
	if err != nil {
		return nil, err
	}
	tp := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, t := range templates {
		tp = append(tp, option{Value: idString(t.ID), Label: t.Name})
	}
	opts["templates"] = tp
	return opts, nil
}

func (s *Server) familyPlanPage(w http.ResponseWriter, r *http.Request, status int, editID int64, f *form) error {
	fam, err := s.familyOf(r)
	if err != nil {
		return err
	}
	p, err := s.store.FamilyDraftPlanView(r.Context(), fam.ID)
	if err != nil {
		return err
	}
	d := &familyPlanData{Family: fam, Plan: p, EditID: editID, Failed: f != nil}
	if d.Hints, err = s.familyHintsBlock(r, fam.ID, hintsFromPlan, fam.StatusLabel); err != nil {
		return err
	}
	if p.CaseID != 0 && s.canWrite(r) {
		if d.Options, err = s.planOptions(r, p); err != nil {
			return err
		}
	}
	if f == nil {
		vals := url.Values{}
		// ?edit=<task> fills the form with a task to change.
		if tid, _ := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); tid != 0 {
			for _, t := range p.Tasks {
				if t.ID == tid {
					d.EditID = t.ID
					vals.Set("type_id", idString(t.TypeID))
					vals.Set("what", t.What)
					vals.Set("reason", t.Reason)
					vals.Set("indicator_field_id", idText(t.IndicatorFieldID))
					vals.Set("proposed_agency_type", string(t.ProposedAgencyType))
					vals.Set("due_on", t.DueOn.String())
				}
			}
		}
		f = newForm(vals, nil)
	}
	v := s.newView(r, "plan.title")
	v.Nav = "families"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "family_plan", v)
}

func (s *Server) canWrite(r *http.Request) bool {
	return opora.ActorFrom(r.Context()).Can(opora.PermFamilyWrite)
}

func (s *Server) familyPlan(w http.ResponseWriter, r *http.Request) error {
	return s.familyPlanPage(w, r, http.StatusOK, 0, nil)
}

func draftTaskFrom(f url.Values, familyID int64, v *opora.Validation) *opora.DraftTask {
	t := &opora.DraftTask{FamilyID: familyID, What: f.Get("what"), Reason: f.Get("reason"),
		ProposedAgencyType: opora.OrgType(f.Get("proposed_agency_type"))}
	t.TypeID, _ = strconv.ParseInt(f.Get("type_id"), 10, 64)
	t.IndicatorFieldID, _ = strconv.ParseInt(f.Get("indicator_field_id"), 10, 64)
	t.DueOn = parseDateField(f, "due_on", v)
	return t
}

func (s *Server) planSave(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	famID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var v opora.Validation
	t := draftTaskFrom(r.PostForm, famID, &v)
	t.ID = id
	err = v.Err()
	if err == nil {
		err = s.store.SaveDraftTask(r.Context(), t)
	}
	if err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			return s.familyPlanPage(w, r, http.StatusUnprocessableEntity, id, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/families/"+idString(famID)+"/plan", "common.saved")
}

func (s *Server) familyPlanAdd(w http.ResponseWriter, r *http.Request) error {
	return s.planSave(w, r, 0)
}

func (s *Server) familyPlanUpdate(w http.ResponseWriter, r *http.Request) error {
	tid, err := pathID(r, "tid")
	if err != nil {
		return err
	}
	return s.planSave(w, r, tid)
}

func (s *Server) familyPlanDelete(w http.ResponseWriter, r *http.Request) error {
	famID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tid, err := pathID(r, "tid")
	if err != nil {
		return err
	}
	if err := s.store.DeleteDraftTask(r.Context(), famID, tid); err != nil {
		return err
	}
	return s.redirect(w, r, "/families/"+idString(famID)+"/plan", "plan.deleted")
}

func (s *Server) familyPlanTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	famID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tpl, _ := strconv.ParseInt(r.PostForm.Get("template_id"), 10, 64)
	if _, err := s.store.ApplyTemplateToDraft(r.Context(), famID, tpl); err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			return s.familyPlanPage(w, r, http.StatusUnprocessableEntity, -1, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/families/"+idString(famID)+"/plan", "plan.template_applied")
}

// ---- Administration: an assessment form's levels ----

// formsAdminLevels saves the levels of an assessment form: rows
// level_label / level_min, empty labels dropped.
func (s *Server) formsAdminLevels(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	labels, mins := r.PostForm["level_label"], r.PostForm["level_min"]
	var v opora.Validation
	var levels []opora.AssessmentLevel
	for i, l := range labels {
		l = strings.TrimSpace(l)
		n := 0
		if i < len(mins) && strings.TrimSpace(mins[i]) != "" {
			if n, err = strconv.Atoi(strings.TrimSpace(mins[i])); err != nil {
				v.Add("levels."+strconv.Itoa(i)+".min", "assessment.error.level_min")
			}
		}
		levels = append(levels, opora.AssessmentLevel{Label: l, MinScore: n})
	}
	err = v.Err()
	if err == nil {
		err = s.store.SaveAssessmentLevels(r.Context(), id, levels)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			f := newForm(url.Values{"name": {r.PostForm.Get("name")}}, nil)
			f.Error = "assessment.error.levels"
			return s.formsAdminPage(w, r, http.StatusUnprocessableEntity, id, f)
		}
		return err
	}
	return s.redirect(w, r, "/admin/forms/"+idString(id)+"#levels", "common.saved")
}

func init() {
	// domainScore is a domain's score in a completed assessment, "—" when none.
	funcs["domainScore"] = func(x *opora.Assessment, id int64) string {
		if n, ok := x.DomainScore(id); ok {
			return strconv.Itoa(n)
		}
		return "—"
	}
	// answerOf is the option id chosen for an indicator, as text.
	funcs["answerOf"] = func(x *opora.Assessment, id int64) *opora.AssessmentOption {
		ind, _ := x.Def.Indicator(id)
		if ind == nil {
			return nil
		}
		return ind.Option(x.Answers[id])
	}
	funcs["fieldName"] = func(id int64) string { return "f" + idString(id) }
	funcs["idStr"] = idString
}
