package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// The questionnaire editor for administrators (dictionary.manage): forms,
// their sections, fields and options — add, rename, reorder, disable —
// without a programmer. Answers point to ids, so nothing here touches them.

func checked(f url.Values, name string) bool { return f.Get(name) == "1" }

func (s *Server) formsAdminList(w http.ResponseWriter, r *http.Request) error {
	return s.renderFormsAdminList(w, r, http.StatusOK, newForm(nil, nil))
}

func (s *Server) renderFormsAdminList(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	forms, err := s.store.Forms(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "forms.admin_title")
	v.Nav = "forms"
	v.Form = f
	l := s.loc(r)
	v.Data = map[string]any{"Forms": forms, "Kinds": []option{{Value: opora.FormKindClient, Label: l.T("forms.kind.repeatable")},
		{Value: opora.FormKindAssessment, Label: l.T("forms.kind.assessment")}}}
	return s.render(w, r, status, "forms_admin_list", v)
}

func (s *Server) formsAdminCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := &opora.Form{Name: r.PostForm.Get("name"), Kind: opora.FormKindClient}
	if r.PostForm.Get("kind") == opora.FormKindAssessment {
		f.Kind = opora.FormKindAssessment
	}
	if err := s.store.CreateForm(r.Context(), f); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderFormsAdminList(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/forms/"+idString(f.ID), "common.created")
}

// formsAdminPage renders a form's structure; errKey, when set, explains
// what was wrong with an inline edit.
func (s *Server) formsAdminPage(w http.ResponseWriter, r *http.Request, status int, formID int64, f *form) error {
	ctx := r.Context()
	fm, err := s.store.EditorForm(ctx, formID)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(url.Values{"name": {fm.Name}}, nil)
	}
	v := s.newView(r, "forms.admin_title")
	v.Nav = "forms"
	v.Form = f
	data := map[string]any{"Form": fm, "Types": s.fieldTypeOptions(r)}
	if fm.Kind == opora.FormKindAssessment {
		levels, err := s.store.AssessmentLevels(ctx, fm.ID)
		if err != nil {
			return err
		}
		// Two empty rows to add levels.
		data["Levels"] = append(levels, opora.AssessmentLevel{}, opora.AssessmentLevel{})
	}
	v.Data = data
	return s.render(w, r, status, "forms_admin_form", v)
}

func (s *Server) fieldTypeOptions(r *http.Request) []option {
	l := s.loc(r)
	var out []option
	for _, t := range opora.FieldTypes {
		out = append(out, option{Value: string(t), Label: l.T("questionnaire.type." + string(t))})
	}
	return out
}

func (s *Server) formsAdminForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.formsAdminPage(w, r, http.StatusOK, id, nil)
}

// inlineError re-renders the form page after an invalid inline edit.
func (s *Server) inlineError(w http.ResponseWriter, r *http.Request, formID int64, err error, msg string) error {
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	f := newForm(nil, nil)
	f.Error = msg
	return s.formsAdminPage(w, r, http.StatusUnprocessableEntity, formID, f)
}

func (s *Server) formsAdminUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := &opora.Form{ID: id, Name: r.PostForm.Get("name"), Disabled: checked(r.PostForm, "disabled")}
	if err := s.store.UpdateForm(r.Context(), f); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.formsAdminPage(w, r, http.StatusUnprocessableEntity, id, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/forms/"+idString(id), "common.saved")
}

func (s *Server) formsAdminAddSection(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sec := &opora.FormSection{FormID: id, Title: r.PostForm.Get("title")}
	if err := s.store.CreateSection(r.Context(), sec); err != nil {
		return s.inlineError(w, r, id, err, "forms.error.title_required")
	}
	return s.redirect(w, r, "/admin/forms/"+idString(id)+"#s"+idString(sec.ID), "common.created")
}

func (s *Server) formsAdminUpdateSection(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.store.Section(ctx, id)
	if err != nil {
		return err
	}
	sec := &opora.FormSection{ID: id, Title: r.PostForm.Get("title"), Disabled: checked(r.PostForm, "disabled")}
	if err := s.store.UpdateSection(ctx, sec); err != nil {
		return s.inlineError(w, r, cur.FormID, err, "forms.error.title_required")
	}
	return s.redirect(w, r, "/admin/forms/"+idString(cur.FormID)+"#s"+idString(id), "common.saved")
}

func (s *Server) formsAdminMoveSection(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.store.Section(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.MoveSection(ctx, id, r.PostForm.Get("dir") == "up"); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/forms/"+idString(cur.FormID)+"#s"+idString(id), "")
}

func (s *Server) formsAdminAddField(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.store.Section(ctx, id)
	if err != nil {
		return err
	}
	x := &opora.FormField{SectionID: id, Label: r.PostForm.Get("label"), Type: opora.FieldType(r.PostForm.Get("type"))}
	if err := s.store.CreateField(ctx, x); err != nil {
		return s.inlineError(w, r, cur.FormID, err, "forms.error.field_invalid")
	}
	return s.redirect(w, r, "/admin/form-fields/"+idString(x.ID), "common.created")
}

// fieldValues fills the field editor from a field.
func fieldValues(x *opora.FormField) url.Values {
	v := url.Values{"label": {x.Label}, "hint": {x.Hint}, "type": {string(x.Type)},
		"sensitivity": {string(x.Sensitivity)}, "show_if": {""}}
	if x.ShowIfOptionID != 0 {
		v.Set("show_if", idString(x.ShowIfOptionID))
	}
	for name, on := range map[string]bool{"required": x.Required, "key_answer": x.KeyAnswer, "disabled": x.Disabled,
		"show_if_not": x.ShowIfNot} {
		if on {
			v.Set(name, "1")
		}
	}
	return v
}

func (s *Server) formsAdminFieldPage(w http.ResponseWriter, r *http.Request, status int, fieldID int64, f *form) error {
	ctx := r.Context()
	formID, err := s.store.FieldForm(ctx, fieldID)
	if err != nil {
		return err
	}
	fm, err := s.store.EditorForm(ctx, formID)
	if err != nil {
		return err
	}
	x := fm.Field(fieldID)
	if x == nil {
		return opora.ErrNotFound
	}
	if f == nil {
		f = newForm(fieldValues(x), nil)
	}
	l := s.loc(r)
	sens := []option{}
	for _, se := range opora.Sensitivities {
		key := string(se)
		if se == opora.Ordinary {
			key = "ordinary"
		}
		sens = append(sens, option{Value: string(se), Label: l.T("questionnaire.sens." + key)})
	}
	showIf := []option{{Value: "", Label: l.T("forms.always_shown")}}
	for _, other := range fm.Fields() {
		if other.ID == x.ID || !other.Type.HasOptions() {
			continue
		}
		for _, o := range other.Options {
			showIf = append(showIf, option{Value: idString(o.ID), Label: other.Label + ": " + o.Label})
		}
	}
	v := s.newView(r, "forms.field_title")
	v.Nav = "forms"
	v.Form = f
	v.Data = map[string]any{"Form": fm, "Field": x, "Types": s.fieldTypeOptions(r), "Sensitivities": sens, "ShowIf": showIf}
	return s.render(w, r, status, "forms_admin_field", v)
}

func (s *Server) formsAdminField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.formsAdminFieldPage(w, r, http.StatusOK, id, nil)
}

func (s *Server) formsAdminUpdateField(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	showIf, _ := strconv.ParseInt(f.Get("show_if"), 10, 64)
	x := &opora.FormField{ID: id, Label: f.Get("label"), Hint: f.Get("hint"), Type: opora.FieldType(f.Get("type")),
		Required: checked(f, "required"), KeyAnswer: checked(f, "key_answer"), Disabled: checked(f, "disabled"),
		Sensitivity: opora.Sensitivity(f.Get("sensitivity")), ShowIfOptionID: showIf, ShowIfNot: checked(f, "show_if_not")}
	if err := s.store.UpdateField(r.Context(), x); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.formsAdminFieldPage(w, r, http.StatusUnprocessableEntity, id, newForm(f, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/form-fields/"+idString(id), "common.saved")
}

func (s *Server) formsAdminMoveField(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	formID, err := s.store.FieldForm(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.MoveField(ctx, id, r.PostForm.Get("dir") == "up"); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/forms/"+idString(formID)+"#f"+idString(id), "")
}

// optionError re-renders the field page after an invalid option edit.
func (s *Server) optionError(w http.ResponseWriter, r *http.Request, fieldID int64, err error) error {
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	f := newForm(nil, nil)
	f.Error = "forms.error.option_required"
	if opora.FieldErrors(err)["score"] != "" {
		f.Error = "assessment.error.score"
	}
	ctx := r.Context()
	formID, ferr := s.store.FieldForm(ctx, fieldID)
	if ferr != nil {
		return ferr
	}
	fm, ferr := s.store.EditorForm(ctx, formID)
	if ferr != nil {
		return ferr
	}
	f.Values = fieldValues(fm.Field(fieldID))
	return s.formsAdminFieldPage(w, r, http.StatusUnprocessableEntity, fieldID, f)
}

func (s *Server) formsAdminAddOption(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o := &opora.FieldOption{FieldID: id, Label: r.PostForm.Get("label"), NotAlone: checked(r.PostForm, "not_alone")}
	if err := optionScore(r, o); err != nil {
		return s.optionError(w, r, id, err)
	}
	if err := s.store.CreateOption(r.Context(), o); err != nil {
		return s.optionError(w, r, id, err)
	}
	return s.redirect(w, r, "/admin/form-fields/"+idString(id)+"#options", "common.created")
}

func (s *Server) formsAdminUpdateOption(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.store.Option(ctx, id)
	if err != nil {
		return err
	}
	o := &opora.FieldOption{ID: id, Label: r.PostForm.Get("label"), NotAlone: checked(r.PostForm, "not_alone"),
		Disabled: checked(r.PostForm, "disabled"), Score: cur.Score}
	if err := optionScore(r, o); err != nil {
		return s.optionError(w, r, cur.FieldID, err)
	}
	if err := s.store.UpdateOption(ctx, o); err != nil {
		return s.optionError(w, r, cur.FieldID, err)
	}
	return s.redirect(w, r, "/admin/form-fields/"+idString(cur.FieldID)+"#o"+idString(id), "common.saved")
}

func (s *Server) formsAdminMoveOption(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fieldID, err := s.store.MoveOption(r.Context(), id, r.PostForm.Get("dir") == "up")
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/form-fields/"+idString(fieldID)+"#o"+idString(id), "")
}

// optionScore reads an option's score (assessment forms) when the form sent one.
func optionScore(r *http.Request, o *opora.FieldOption) error {
	raw := strings.TrimSpace(r.PostForm.Get("score"))
	if raw == "" {
		return nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		var v opora.Validation
		v.Add("score", "assessment.error.score")
		return v.Err()
	}
	o.Score = n
	return nil
}
