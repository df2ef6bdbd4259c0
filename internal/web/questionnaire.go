package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// A client's questionnaire and repeatable forms: view and edit the main
// questionnaire, list, add, view and edit dated fillings, and the profile
// panels (key answers, links). Only fields the actor may see reach the page.

func init() {
	funcs["yesNoValues"] = func() []string { return opora.YesNoValues }
}

// loadQuestionnairePanel is the profile's key answers and questionnaire
// panel (profilePanels).
func loadQuestionnairePanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	ctx := r.Context()
	qa, err := s.store.Questionnaire(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	l := s.loc(r)
	p := &questionnairePanel{HiddenNote: hiddenSections(l, qa.Hidden)}
	for _, x := range qa.Form.Fields() {
		if x.Disabled {
			continue
		}
		p.Total++
		if ans := qa.Answer(x.ID); !ans.Empty() {
			p.Filled++
			if x.KeyAnswer {
				p.KeyAnswers = append(p.KeyAnswers, keyAnswer{Label: x.Label, Value: answerDisplay(l.T, x, ans)})
			}
		}
	}
	if p.Fillings, err = s.store.ClientFillings(ctx, c.ID); err != nil {
		return nil, err
	}
	if len(p.Fillings) > 3 {
		p.More, p.Fillings = len(p.Fillings)-3, p.Fillings[:3]
	}
	return p, nil
}

// questionnairePanel is what the profile's key answers and questionnaire panels show.
type questionnairePanel struct {
	HiddenNote    string // which sensitive sections the worker may not see
	KeyAnswers    []keyAnswer
	Filled, Total int
	Fillings      []*opora.Filling
	More          int
}

type keyAnswer struct{ Label, Value string }

// hiddenSections says which sensitive sections of the questionnaire the
// worker may not see (their names, never their content), or "".
func hiddenSections(l *i18n.Localizer, hidden []opora.Sensitivity) string {
	if len(hidden) == 0 {
		return ""
	}
	names := make([]string, len(hidden))
	for i, h := range hidden {
		names[i] = l.T("questionnaire.sens." + string(h))
	}
	return l.N("questionnaire.hidden_sections", len(hidden), "Names", strings.Join(names, ", "))
}

// qField is one field as a page shows it.
type qField struct {
	F        *opora.FormField
	Name     string // the input's name: "f<id>"
	Value    string
	Selected map[string]bool
	Error    string // translated
	Display  string // the answer as text, for reading
	Options  []*opora.FieldOption
	File     *opora.File // the stored file of a file answer
	// The condition, when the controlling field is on the page too.
	ShowIf, ShowOpt string
	ShowNot         bool
}

type qSection struct {
	Title    string
	Disabled bool
	Fields   []*qField
}

// questionnairePage is .Data of the questionnaire and filling pages.
type questionnairePage struct {
	*clientView
	Sections []*qSection
	// HiddenNote says which sensitive sections the worker may not see.
	HiddenNote string
	Form       *opora.Form
	Filling    *opora.Filling
	Action     string // where the edit form posts
	Back       string
	Edit       string // the edit page of what is shown
	FilledOn   string // the filling's date as typed
	DateErr    string
	Fillings   []*opora.Filling
	Forms      []*opora.Form
}

// answerDisplay renders an answer as text for reading.
func answerDisplay(t func(string, ...any) string, x *opora.FormField, a *opora.Answer) string {
	if a.Empty() {
		return ""
	}
	switch x.Type {
	case opora.FieldChoice, opora.FieldMultiChoice:
		var labels []string
		for _, id := range a.OptionIDs {
			if o := x.Option(id); o != nil {
				labels = append(labels, o.Label)
			}
		}
		return strings.Join(labels, ", ")
	case opora.FieldYesNo:
		return t("questionnaire.yesno." + a.Text)
	case opora.FieldFile:
		return t("questionnaire.file_attached")
	}
	return strings.Join(a.Values(x.Type), "")
}

// buildSections turns a form and its values into page sections. vals holds
// the form's values (stored answers or what was posted); errs the per-field
// error keys.
func (s *Server) buildSections(r *http.Request, qa *store.ClientAnswers, vals url.Values, errs map[string]string, editing bool) []*qSection {
	l := s.loc(r)
	onPage := map[int64]bool{}
	for _, x := range qa.Form.Fields() {
		if !editing || !x.Disabled {
			onPage[x.ID] = true
		}
	}
	var out []*qSection
	for _, sec := range qa.Form.Sections {
		qs := &qSection{Title: sec.Title, Disabled: sec.Disabled}
		for _, x := range sec.Fields {
			if !onPage[x.ID] {
				continue
			}
			ans := qa.Answer(x.ID)
			qf := &qField{F: x, Name: "f" + idString(x.ID), Selected: map[string]bool{},
				Display: answerDisplay(l.T, x, ans)}
			if x.Type == opora.FieldFile && ans != nil {
				qf.File = qa.Files[ans.FileID]
			}
			qf.Value = vals.Get(qf.Name)
			for _, v := range vals[qf.Name] {
				qf.Selected[v] = true
			}
			if k := errs[qf.Name]; k != "" {
				qf.Error = l.T(k)
			}
			for _, o := range x.Options {
				if !o.Disabled || ans.Has(o.ID) {
					qf.Options = append(qf.Options, o)
				}
			}
			if x.ShowIfOptionID != 0 && onPage[x.ShowIfFieldID] {
				qf.ShowIf, qf.ShowOpt, qf.ShowNot = "f"+idString(x.ShowIfFieldID), idString(x.ShowIfOptionID), x.ShowIfNot
			}
			qs.Fields = append(qs.Fields, qf)
		}
		if len(qs.Fields) > 0 {
			out = append(out, qs)
		}
	}
	return out
}

// answerValues turns stored answers into form values.
func answerValues(qa *store.ClientAnswers) url.Values {
	v := url.Values{}
	for _, x := range qa.Form.Fields() {
		if ans := qa.Answer(x.ID); !ans.Empty() {
			v["f"+idString(x.ID)] = ans.Values(x.Type)
		}
	}
	return v
}

// postedAnswers reads "f<id>" values from a posted form.
func postedAnswers(f url.Values) map[int64][]string {
	out := map[int64][]string{}
	for k, vals := range f {
		if rest, ok := strings.CutPrefix(k, "f"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
				out[id] = vals
			}
		}
	}
	return out
}

func (s *Server) questionnairePage(w http.ResponseWriter, r *http.Request, section string) (*questionnairePage, *view, bool, error) {
	c, ok, err := s.loadClient(w, r, section)
	if err != nil || !ok {
		return nil, nil, ok, err
	}
	d, err := s.clientData(r, c)
	if err != nil {
		return nil, nil, false, err
	}
	v := s.newView(r, "questionnaire.title")
	v.Nav = "clients"
	p := &questionnairePage{clientView: d}
	p.Tab = "questionnaire"
	v.Data = p
	return p, v, true, nil
}

func (s *Server) questionnaireView(w http.ResponseWriter, r *http.Request) error {
	p, v, ok, err := s.questionnairePage(w, r, "questionnaire")
	if err != nil || !ok {
		return err
	}
	qa, err := s.store.Questionnaire(r.Context(), p.Client.ID)
	if err != nil {
		return err
	}
	p.Form, p.Sections = qa.Form, s.buildSections(r, qa, url.Values{}, nil, false)
	p.HiddenNote = hiddenSections(s.loc(r), qa.Hidden)
	p.Edit = "/clients/" + idString(p.Client.ID) + "/questionnaire/edit"
	return s.render(w, r, http.StatusOK, "questionnaire_view", v)
}

func (s *Server) questionnaireEdit(w http.ResponseWriter, r *http.Request) error {
	p, v, ok, err := s.questionnairePage(w, r, "questionnaire")
	if err != nil || !ok {
		return err
	}
	if p.Client.Deleted() {
		return opora.ErrNotFound
	}
	qa, err := s.store.Questionnaire(r.Context(), p.Client.ID)
	if err != nil {
		return err
	}
	v.Form = newForm(answerValues(qa), nil)
	return s.renderQuestionnaireEdit(w, r, http.StatusOK, p, v, qa)
}

func (s *Server) renderQuestionnaireEdit(w http.ResponseWriter, r *http.Request, status int, p *questionnairePage, v *view,
	qa *store.ClientAnswers) error {
	p.Form, p.Sections = qa.Form, s.buildSections(r, qa, v.Form.Values, v.Form.Errors, true)
	base := "/clients/" + idString(p.Client.ID)
	p.Action, p.Back = base+"/questionnaire/edit", base+"/questionnaire"
	v.Title = "questionnaire.edit"
	return s.render(w, r, status, "questionnaire_edit", v)
}

// invalidForm keeps the posted values and the errors; a message of its own
// (such as the consent rule) becomes the whole-form message.
func invalidForm(vals url.Values, err error) *form {
	f := newForm(vals, err)
	if m := opora.ErrorMessage(err); m != "error.invalid" {
		f.Error = m
	}
	if oe := (*opora.Error)(nil); errors.As(err, &oe) && len(oe.Args) > 0 {
		f.Args = oe.Args
	}
	return f
}

// parseAnswersForm reads a posted questionnaire or filling form, which is
// multipart when it carries files; an oversize body is a validation error
// naming the limit.
func (s *Server) parseAnswersForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return &opora.Error{Code: opora.EINVALID, Message: "files.error.too_large",
				Args: map[string]string{"MB": strconv.FormatInt(s.cfg.MaxUploadBytes>>20, 10)}}
		}
		return err
	}
	return nil
}

// answerUploads reads the files posted for the file fields of qa's form
// (only fields the actor may see and edit): each field's value comes only
// from its upload or its "remove" tick ("<name>_remove" → "0"), so raw is
// changed in place. Refused uploads (executables, empty, too large) are
// field errors and then nothing is stored; otherwise the accepted bytes are
// stored and returned by field id for the store to record.
func (s *Server) answerUploads(r *http.Request, qa *store.ClientAnswers, raw map[int64][]string) (map[int64]*opora.File, error) {
	type pending struct {
		field      int64
		data       []byte
		name, mime string
	}
	var ps []pending
	var v opora.Validation
	for _, x := range qa.Form.Fields() {
		if x.Type != opora.FieldFile || x.Disabled {
			continue
		}
		name := "f" + idString(x.ID)
		delete(raw, x.ID)
		data, fname, err := s.readUpload(r, name)
		if errors.Is(err, errNoUpload) {
			if r.PostForm.Get(name+"_remove") != "" {
				raw[x.ID] = []string{"0"}
			}
			continue
		}
		if err == nil {
			var mime string
			if mime, err = files.CheckUpload(data); err == nil {
				ps = append(ps, pending{field: x.ID, data: data, name: fname, mime: mime})
				continue
			}
		}
		if !errors.Is(err, errUploadTooBig) && !errors.Is(err, files.ErrDenied) && !errors.Is(err, files.ErrEmpty) {
			return nil, err
		}
		for k, e := range opora.FieldErrors(s.uploadError(name, err)) {
			v.Add(k, e)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := map[int64]*opora.File{}
	for _, p := range ps {
		f, err := s.storeBytes(r, p.data, p.name, p.mime)
		if err != nil {
			s.unstoreAll(r, out)
			return nil, err
		}
		out[p.field] = f
	}
	return out, nil
}

// unstoreAll removes the bytes of uploads whose save was refused.
func (s *Server) unstoreAll(r *http.Request, uploads map[int64]*opora.File) {
	for _, f := range uploads {
		s.unstore(r, f)
	}
}

func (s *Server) questionnaireSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	qa, err := s.store.Questionnaire(r.Context(), id)
	if err != nil {
		return err
	}
	defer cleanupUpload(r)
	err = s.parseAnswersForm(w, r)
	if err == nil {
		raw := postedAnswers(r.PostForm)
		var uploads map[int64]*opora.File
		if uploads, err = s.answerUploads(r, qa, raw); err == nil {
			if err = s.store.SaveQuestionnaireFiles(r.Context(), id, raw, uploads); err != nil {
				s.unstoreAll(r, uploads)
			}
		}
	}
	if err == nil {
		return s.redirect(w, r, "/clients/"+idString(id)+"/questionnaire", "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	p, v, ok, lerr := s.questionnairePage(w, r, "")
	if lerr != nil || !ok {
		return lerr
	}
	if qa, lerr = s.store.Questionnaire(r.Context(), id); lerr != nil {
		return lerr
	}
	v.Form = invalidForm(r.PostForm, err)
	return s.renderQuestionnaireEdit(w, r, http.StatusUnprocessableEntity, p, v, qa)
}

// ---- Repeatable forms ----

func (s *Server) formsClient(w http.ResponseWriter, r *http.Request) error {
	p, v, ok, err := s.questionnairePage(w, r, "forms")
	if err != nil || !ok {
		return err
	}
	ctx := r.Context()
	if p.Fillings, err = s.store.ClientFillings(ctx, p.Client.ID); err != nil {
		return err
	}
	forms, err := s.store.Forms(ctx)
	if err != nil {
		return err
	}
	for _, f := range forms {
		if f.Repeatable && !f.Disabled {
			p.Forms = append(p.Forms, f)
		}
	}
	p.Tab = "forms"
	v.Title = "forms.client_title"
	return s.render(w, r, http.StatusOK, "forms_client", v)
}

func (s *Server) fillingNew(w http.ResponseWriter, r *http.Request) error {
	p, v, ok, err := s.questionnairePage(w, r, "form_filling")
	if err != nil || !ok {
		return err
	}
	formID, err := pathID(r, "form")
	if err != nil {
		return err
	}
	if p.Client.Deleted() {
		return opora.ErrNotFound
	}
	qa, err := s.store.BlankFilling(r.Context(), p.Client.ID, formID)
	if err != nil {
		return err
	}
	vals := url.Values{"filled_on": {s.store.Now().Local().Format("02.01.2006")}}
	v.Form = newForm(vals, nil)
	return s.renderFillingEdit(w, r, http.StatusOK, p, v, qa)
}

func (s *Server) renderFillingEdit(w http.ResponseWriter, r *http.Request, status int, p *questionnairePage, v *view,
	qa *store.ClientAnswers) error {
	p.Form, p.Sections = qa.Form, s.buildSections(r, qa, v.Form.Values, v.Form.Errors, true)
	p.Filling = qa.Filling
	p.Tab = "forms"
	base := "/clients/" + idString(p.Client.ID)
	if qa.Filling == nil {
		p.Action, p.Back = base+"/forms/"+idString(qa.Form.ID)+"/new", base+"/forms"
		p.Filling = &opora.Filling{}
	} else {
		p.Action, p.Back = base+"/fillings/"+idString(qa.Filling.ID)+"/edit", base+"/fillings/"+idString(qa.Filling.ID)
	}
	p.FilledOn = v.Form.Values.Get("filled_on")
	if k := v.Form.Errors["filled_on"]; k != "" {
		p.DateErr = v.T(k)
	}
	v.Title = "forms.fill"
	return s.render(w, r, status, "questionnaire_edit", v)
}

func (s *Server) fillingCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	formID, err := pathID(r, "form")
	if err != nil {
		return err
	}
	blank, err := s.store.BlankFilling(r.Context(), id, formID)
	if err != nil {
		return err
	}
	defer cleanupUpload(r)
	var fid int64
	err = s.parseAnswersForm(w, r)
	if err == nil {
		filledOn, _ := opora.ParseDate(r.PostForm.Get("filled_on"))
		raw := postedAnswers(r.PostForm)
		var uploads map[int64]*opora.File
		if uploads, err = s.answerUploads(r, blank, raw); err == nil {
			if fid, err = s.store.CreateFillingFiles(r.Context(), id, formID, filledOn, raw, uploads); err != nil {
				s.unstoreAll(r, uploads)
			}
		}
	}
	if err == nil {
		return s.redirect(w, r, "/clients/"+idString(id)+"/fillings/"+idString(fid), "common.created")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	p, v, ok, lerr := s.questionnairePage(w, r, "")
	if lerr != nil || !ok {
		return lerr
	}
	qa, lerr := s.store.BlankFilling(r.Context(), id, formID)
	if lerr != nil {
		return lerr
	}
	v.Form = invalidForm(r.PostForm, err)
	return s.renderFillingEdit(w, r, http.StatusUnprocessableEntity, p, v, qa)
}

func (s *Server) fillingView(w http.ResponseWriter, r *http.Request) error {
	p, v, ok, err := s.questionnairePage(w, r, "form_filling")
	if err != nil || !ok {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	qa, err := s.store.Filling(r.Context(), p.Client.ID, fid)
	if err != nil {
		return err
	}
	p.Form, p.Filling, p.Sections = qa.Form, qa.Filling, s.buildSections(r, qa, url.Values{}, nil, false)
	p.Tab = "forms"
	p.Edit = "/clients/" + idString(p.Client.ID) + "/fillings/" + idString(fid) + "/edit"
	p.Back = "/clients/" + idString(p.Client.ID) + "/forms"
	v.Title = "forms.filling"
	return s.render(w, r, http.StatusOK, "questionnaire_view", v)
}

func (s *Server) fillingEdit(w http.ResponseWriter, r *http.Request) error {
	p, v, ok, err := s.questionnairePage(w, r, "form_filling")
	if err != nil || !ok {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	if p.Client.Deleted() {
		return opora.ErrNotFound
	}
	qa, err := s.store.Filling(r.Context(), p.Client.ID, fid)
	if err != nil {
		return err
	}
	vals := answerValues(qa)
	vals.Set("filled_on", qa.Filling.FilledOn.Format("02.01.2006"))
	v.Form = newForm(vals, nil)
	return s.renderFillingEdit(w, r, http.StatusOK, p, v, qa)
}

func (s *Server) fillingSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	cur, err := s.store.Filling(r.Context(), id, fid)
	if err != nil {
		return err
	}
	defer cleanupUpload(r)
	err = s.parseAnswersForm(w, r)
	if err == nil {
		filledOn, _ := opora.ParseDate(r.PostForm.Get("filled_on"))
		raw := postedAnswers(r.PostForm)
		var uploads map[int64]*opora.File
		if uploads, err = s.answerUploads(r, cur, raw); err == nil {
			if err = s.store.UpdateFillingFiles(r.Context(), id, fid, filledOn, raw, uploads); err != nil {
				s.unstoreAll(r, uploads)
			}
		}
	}
	if err == nil {
		return s.redirect(w, r, "/clients/"+idString(id)+"/fillings/"+idString(fid), "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	p, v, ok, lerr := s.questionnairePage(w, r, "")
	if lerr != nil || !ok {
		return lerr
	}
	qa, lerr := s.store.Filling(r.Context(), id, fid)
	if lerr != nil {
		return lerr
	}
	v.Form = invalidForm(r.PostForm, err)
	return s.renderFillingEdit(w, r, http.StatusUnprocessableEntity, p, v, qa)
}
