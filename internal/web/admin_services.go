package web

import (
	"net/http"
	"net/url"

	"github.com/opora-project/opora/internal/opora"
)

// The service catalog for administrators (dictionary.manage): the types by
// group, add, edit, move up and down within a group, activate and deactivate.

func (s *Server) adminServices(w http.ResponseWriter, r *http.Request) error {
	types, err := s.store.ServiceTypes(r.Context(), false)
	if err != nil {
		return err
	}
	v := s.newView(r, "services.catalog")
	v.Nav = "servicetypes"
	v.Data = map[string]any{"Groups": groupServiceTypes(types, nil)}
	return s.render(w, r, http.StatusOK, "services_admin", v)
}

func serviceTypeValues(t *opora.ServiceType) url.Values {
	v := url.Values{"name": {t.Name}, "group": {t.Group}}
	if t.HasQuantity {
		v.Add("flags", "has_quantity")
	}
	if t.HasAmount {
		v.Add("flags", "has_amount")
	}
	if t.CommentRequired {
		v.Add("flags", "comment_required")
	}
	return v
}

func serviceTypeFromForm(f url.Values, t *opora.ServiceType) {
	t.Name, t.Group = f.Get("name"), f.Get("group")
	t.HasQuantity, t.HasAmount, t.CommentRequired = false, false, false
	for _, fl := range f["flags"] {
		switch fl {
		case "has_quantity":
			t.HasQuantity = true
		case "has_amount":
			t.HasAmount = true
		case "comment_required":
			t.CommentRequired = true
		}
	}
}

func (s *Server) renderServiceTypeForm(w http.ResponseWriter, r *http.Request, status int, t *opora.ServiceType, f *form) error {
	types, err := s.store.ServiceTypes(r.Context(), false)
	if err != nil {
		return err
	}
	var groups []string
	for _, g := range groupServiceTypes(types, nil) {
		if g.Name != "" {
			groups = append(groups, g.Name)
		}
	}
	l := s.loc(r)
	title := "services.type_new"
	if t.ID != 0 {
		title = "services.type_edit"
	}
	v := s.newView(r, title)
	v.Nav = "servicetypes"
	v.Form = f
	v.Data = map[string]any{"Type": t, "Groups": groups, "Flags": []option{
		{Value: "has_quantity", Label: l.T("services.field.has_quantity")},
		{Value: "has_amount", Label: l.T("services.field.has_amount")},
		{Value: "comment_required", Label: l.T("services.field.comment_required")},
	}}
	return s.render(w, r, status, "services_type_form", v)
}

func (s *Server) adminServiceNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderServiceTypeForm(w, r, http.StatusOK, &opora.ServiceType{}, newForm(nil, nil))
}

func (s *Server) adminServiceCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	t := &opora.ServiceType{}
	serviceTypeFromForm(r.PostForm, t)
	if err := s.store.CreateServiceType(r.Context(), t); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderServiceTypeForm(w, r, http.StatusUnprocessableEntity, &opora.ServiceType{}, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/services", "common.created")
}

func (s *Server) adminServiceEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.store.ServiceType(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderServiceTypeForm(w, r, http.StatusOK, t, newForm(serviceTypeValues(t), nil))
}

func (s *Server) adminServiceUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.store.ServiceType(r.Context(), id)
	if err != nil {
		return err
	}
	t := &opora.ServiceType{ID: id}
	serviceTypeFromForm(r.PostForm, t)
	if err := s.store.UpdateServiceType(r.Context(), t); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderServiceTypeForm(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/services", "common.saved")
}

func (s *Server) adminServiceMove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.MoveServiceType(r.Context(), id, r.PostForm.Get("dir") == "up"); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/services#t"+idString(id), "")
}

func (s *Server) adminServiceActive(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	active := r.PostForm.Get("active") == "1"
	if err := s.store.SetServiceTypeActive(r.Context(), id, active); err != nil {
		return err
	}
	flash := "services.deactivated"
	if active {
		flash = "services.activated"
	}
	return s.redirect(w, r, "/admin/services#t"+idString(id), flash)
}
