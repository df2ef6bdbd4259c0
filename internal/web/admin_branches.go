package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// branchRow is one line of the branches list.
type branchRow struct {
	*opora.Branch
	Territory string
}

func (s *Server) adminBranches(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return err
	}
	paths, err := s.territoryPaths(r)
	if err != nil {
		return err
	}
	rows := make([]branchRow, 0, len(branches))
	for _, b := range branches {
		rows = append(rows, branchRow{Branch: b, Territory: paths[b.TerritoryID]})
	}
	v := s.newView(r, "branches.title")
	v.Nav = "branches"
	v.Data = map[string]any{"Branches": rows}
	return s.render(w, r, http.StatusOK, "branches_list", v)
}

// territoryPaths maps territory ids to their "Region / Municipality" paths.
func (s *Server) territoryPaths(r *http.Request) (map[int64]string, error) {
	ts, err := s.store.Territories(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(ts))
	for _, t := range ts {
		out[t.ID] = t.Path
	}
	return out, nil
}

func branchValues(b *opora.Branch) url.Values {
	vals := url.Values{"name": {b.Name}, "address": {b.Address}}
	if b.TerritoryID != 0 {
		vals.Set("territory_id", idString(b.TerritoryID))
	}
	if b.Archived {
		vals.Set("archived", "1")
	}
	return vals
}

// renderBranchForm shows the new-branch page (b nil) or a branch's page.
func (s *Server) renderBranchForm(w http.ResponseWriter, r *http.Request, status int, b *opora.Branch, f *form) error {
	ts, err := s.store.Territories(r.Context())
	if err != nil {
		return err
	}
	l := s.loc(r)
	terrs := []option{{Value: "", Label: l.T("branches.no_territory")}}
	for _, t := range ts {
		terrs = append(terrs, option{Value: idString(t.ID), Label: t.Path})
	}
	title := "branches.new"
	if b != nil {
		title = "branches.edit"
	}
	v := s.newView(r, title)
	v.Nav = "branches"
	v.Form = f
	v.Data = map[string]any{"Branch": b, "Territories": terrs}
	return s.render(w, r, status, "branches_form", v)
}

func (s *Server) adminBranchNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderBranchForm(w, r, http.StatusOK, nil, newForm(nil, nil))
}

func (s *Server) adminBranchTarget(r *http.Request) (*opora.Branch, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Branch(r.Context(), id)
}

func (s *Server) adminBranchEdit(w http.ResponseWriter, r *http.Request) error {
	b, err := s.adminBranchTarget(r)
	if err != nil {
		return err
	}
	return s.renderBranchForm(w, r, http.StatusOK, b, newForm(branchValues(b), nil))
}

func (s *Server) adminBranchCreate(w http.ResponseWriter, r *http.Request) error {
	return s.adminBranchSave(w, r, nil)
}

func (s *Server) adminBranchUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.adminBranchTarget(r)
	if err != nil {
		return err
	}
	return s.adminBranchSave(w, r, old)
}

func (s *Server) adminBranchSave(w http.ResponseWriter, r *http.Request, old *opora.Branch) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	b := &opora.Branch{Name: f.Get("name"), Address: f.Get("address"), Archived: f.Get("archived") == "1"}
	if t := f.Get("territory_id"); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil || id <= 0 {
			var v opora.Validation
			v.Add("territory_id", "error.invalid_choice")
			return s.renderBranchForm(w, r, http.StatusUnprocessableEntity, old, newForm(f, v.Err()))
		}
		b.TerritoryID = id
	}
	if old != nil {
		b.ID = old.ID
	}
	if err := s.store.SaveBranch(r.Context(), b); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderBranchForm(w, r, st, old, newForm(f, err))
		}
		return err
	}
	flash := "common.saved"
	if old == nil {
		flash = "branches.created"
	}
	return s.redirect(w, r, "/admin/branches", flash)
}
