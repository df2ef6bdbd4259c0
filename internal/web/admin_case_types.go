package web

import (
	"net/http"
	"net/url"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The case and task type dictionaries for administrators
// (dictionary.manage): both lists, add, rename, deactivate and activate.
// A deactivated type is no longer offered for new cases and tasks; those
// that have it keep it.

// caseDictionaries are the dictionaries of this screen with their titles.
var caseDictionaries = []struct{ Dict, Title string }{
	{opora.DictCaseType, "casetypes.case_types"},
	{opora.DictTaskType, "casetypes.task_types"},
	{opora.DictFamilyStatus, "casetypes.family_statuses"}, // network agencies only (seeded for them)
}

// caseDictionaryList is one list of the screen, with its add form.
type caseDictionaryList struct {
	Dict, Title string
	Items       []store.DictItem
	Form        *form // the add form sent back with an error, else empty
}

func (s *Server) adminCaseTypes(w http.ResponseWriter, r *http.Request) error {
	return s.renderCaseTypes(w, r, http.StatusOK, "", nil)
}

// renderCaseTypes shows both lists; failed names the list whose add form
// comes back with the user's value and the error.
func (s *Server) renderCaseTypes(w http.ResponseWriter, r *http.Request, status int, failed string, f *form) error {
	var lists []caseDictionaryList
	for _, d := range caseDictionaries {
		items, err := s.store.CaseDictionary(r.Context(), d.Dict, true)
		if err != nil {
			return err
		}
		if len(items) == 0 && d.Dict == opora.DictFamilyStatus {
			continue // an NGO outside a network has no family statuses
		}
		l := caseDictionaryList{Dict: d.Dict, Title: d.Title, Items: items, Form: newForm(nil, nil)}
		if d.Dict == failed {
			l.Form = f
		}
		lists = append(lists, l)
	}
	v := s.newView(r, "casetypes.title")
	v.Nav = "casetypes"
	v.Data = lists
	return s.render(w, r, status, "casetypes_admin", v)
}

func (s *Server) adminCaseTypeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	dict := r.PostForm.Get("dictionary")
	if !opora.IsCaseDictionary(dict) {
		return opora.ErrNotFound
	}
	d := &opora.DictionaryItem{Dictionary: dict, Label: r.PostForm.Get("label")}
	if err := s.store.SaveDictionaryItem(r.Context(), d); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderCaseTypes(w, r, http.StatusUnprocessableEntity, dict, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/case-types#"+dict, "common.created")
}

func (s *Server) renderCaseTypeForm(w http.ResponseWriter, r *http.Request, status int, d *opora.DictionaryItem, f *form) error {
	v := s.newView(r, "casetypes.edit")
	v.Nav = "casetypes"
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "casetypes_form", v)
}

func (s *Server) adminCaseTypeEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.store.CaseDictionaryItem(r.Context(), id)
	if err != nil {
		return err
	}
	vals := url.Values{"label": {d.Label}}
	if !d.Disabled {
		vals["active"] = []string{"1"}
	}
	return s.renderCaseTypeForm(w, r, http.StatusOK, d, newForm(vals, nil))
}

func (s *Server) adminCaseTypeUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.store.CaseDictionaryItem(r.Context(), id)
	if err != nil {
		return err
	}
	d := *cur
	d.Label, d.Disabled = r.PostForm.Get("label"), r.PostForm.Get("active") != "1"
	if err := s.store.SaveDictionaryItem(r.Context(), &d); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderCaseTypeForm(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/case-types#"+cur.Dictionary, "common.saved")
}
