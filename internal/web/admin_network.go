package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The network administrator's screens: the territory dictionary (region →
// municipality → district) and the organisations of the network.

// territoryNode is one entry of the territory tree with its children and
// the labels the recursive template needs (it sees only the node).
type territoryNode struct {
	*opora.Territory
	KindLabel string
	AddKind   opora.TerritoryKind // the level one may add below, "" for a district
	AddLabel  string
	Children  []*territoryNode
}

// territoryTree arranges the dictionary (ordered by path) into a tree.
func territoryTree(ts []*opora.Territory, t func(string, ...any) string) []*territoryNode {
	nodes := make(map[int64]*territoryNode, len(ts))
	for _, tr := range ts {
		n := &territoryNode{Territory: tr, KindLabel: t("territory." + string(tr.Kind)), AddKind: childKind(tr.Kind)}
		if n.AddKind != "" {
			n.AddLabel = t("territories.add_" + string(n.AddKind))
		}
		nodes[tr.ID] = n
	}
	var roots []*territoryNode
	for _, tr := range ts {
		n := nodes[tr.ID]
		if p, ok := nodes[tr.ParentID]; ok {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

// childKind is the level below k, "" below a district.
func childKind(k opora.TerritoryKind) opora.TerritoryKind {
	switch k {
	case opora.TerritoryRegion:
		return opora.TerritoryMunicipality
	case opora.TerritoryMunicipality:
		return opora.TerritoryDistrict
	}
	return ""
}

func (s *Server) territoryList(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.Territories(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "territories.title")
	v.Nav = "network"
	v.Data = map[string]any{"Tree": territoryTree(ts, s.loc(r).T), "Count": len(ts)}
	return s.render(w, r, http.StatusOK, "territories_list", v)
}

func (s *Server) territoryNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = string(opora.TerritoryRegion)
	}
	return s.renderTerritoryForm(w, r, http.StatusOK, nil,
		newForm(url.Values{"kind": {kind}, "parent_id": {q.Get("parent")}}, nil))
}

func (s *Server) territoryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	t := &opora.Territory{Kind: opora.TerritoryKind(f.Get("kind")), ParentID: optionalID(f.Get("parent_id")), Name: f.Get("name")}
	if err := s.store.SaveTerritory(r.Context(), t); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderTerritoryForm(w, r, http.StatusUnprocessableEntity, nil, territoryForm(f, t.Kind, err))
	}
	return s.redirect(w, r, "/admin/territories", "common.created")
}

func (s *Server) territoryEdit(w http.ResponseWriter, r *http.Request) error {
	t, err := s.pathTerritory(r)
	if err != nil {
		return err
	}
	return s.renderTerritoryForm(w, r, http.StatusOK, t, newForm(url.Values{"name": {t.Name}}, nil))
}

func (s *Server) territoryUpdate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.pathTerritory(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	t.Name = r.PostForm.Get("name")
	if err := s.store.SaveTerritory(r.Context(), t); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderTerritoryForm(w, r, http.StatusUnprocessableEntity, t, territoryForm(r.PostForm, t.Kind, err))
	}
	return s.redirect(w, r, "/admin/territories", "common.saved")
}

// pathTerritory loads the territory named by {id} with its path.
func (s *Server) pathTerritory(r *http.Request) (*opora.Territory, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ts, err := s.store.Territories(r.Context())
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, opora.ErrNotFound
}

// territoryForm re-renders a refused territory, with the parent error
// explained for the chosen level.
func territoryForm(values url.Values, kind opora.TerritoryKind, err error) *form {
	f := newForm(values, err)
	if f.Errors["parent_id"] == "error.territory_parent" && slices.Contains(opora.TerritoryKinds, kind) {
		f.Errors["parent_id"] = "territories.parent_error." + string(kind)
	}
	return f
}

func (s *Server) renderTerritoryForm(w http.ResponseWriter, r *http.Request, status int, t *opora.Territory, f *form) error {
	ts, err := s.store.Territories(r.Context())
	if err != nil {
		return err
	}
	l := s.loc(r)
	kinds := make([]option, 0, len(opora.TerritoryKinds))
	for _, k := range opora.TerritoryKinds {
		kinds = append(kinds, option{Value: string(k), Label: l.T("territory." + string(k))})
	}
	parents := []option{{Value: "", Label: l.T("territories.no_parent")}}
	var parentPath string
	for _, p := range ts {
		if childKind(p.Kind) != "" {
			parents = append(parents, option{Value: idString(p.ID), Label: p.Path + " (" + l.T("territory."+string(p.Kind)) + ")"})
		}
		if t != nil && p.ID == t.ParentID {
			parentPath = p.Path
		}
	}
	title := "territories.new_title"
	if t != nil {
		title = "territories.edit_title"
	}
	v := s.newView(r, title)
	v.Nav = "network"
	v.Form = f
	v.Data = map[string]any{"Territory": t, "Kinds": kinds, "Parents": parents, "ParentPath": parentPath}
	return s.render(w, r, status, "territories_form", v)
}

// networkRow is one organisation of the network list.
type networkRow struct {
	*opora.Organisation
	Territory string
	Users     int
}

func (s *Server) networkList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		return err
	}
	counts, err := s.store.OrganisationUserCounts(ctx)
	if err != nil {
		return err
	}
	ts, err := s.store.Territories(ctx)
	if err != nil {
		return err
	}
	paths := make(map[int64]string, len(ts))
	for _, t := range ts {
		paths[t.ID] = t.Path
	}
	rows := make([]networkRow, 0, len(orgs))
	for _, o := range orgs {
		rows = append(rows, networkRow{Organisation: o, Territory: paths[o.TerritoryID], Users: counts[o.ID]})
	}
	v := s.newView(r, "network.title")
	v.Nav = "network"
	v.Data = map[string]any{"Rows": rows}
	return s.render(w, r, http.StatusOK, "network_list", v)
}

func (s *Server) networkNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderNetworkNew(w, r, http.StatusOK, newForm(url.Values{"type": {string(opora.OrgNGO)}}, nil))
}

func (s *Server) renderNetworkNew(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	terr, err := s.territoryOptions(r.Context(), r)
	if err != nil {
		return err
	}
	v := s.newView(r, "network.new_title")
	v.Nav = "network"
	v.Form = f
	v.Data = map[string]any{"Types": s.orgTypeOptions(r), "Territories": terr}
	return s.render(w, r, status, "network_new", v)
}

// networkCreate adds an organisation with its first branch and first
// administrator. Every mistake shows at once: the store's dry run checks the
// organisation, branch and administrator, and the password is checked here.
func (s *Server) networkCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	o := &opora.Organisation{}
	orgFromForm(f, o)
	n := &store.NewOrganisation{
		Organisation: o,
		BranchName:   f.Get("branch_name"),
		Admin:        &opora.User{Login: f.Get("login"), FullName: f.Get("full_name"), Position: f.Get("position")},
	}
	var v opora.Validation
	if err := s.store.ValidateNewOrganisation(ctx, n); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		v.Fields = opora.FieldErrors(err)
	}
	opora.ValidatePassword(&v, "password", f.Get("password"), f.Get("password_confirm"), opora.NormalizeLogin(f.Get("login")))
	if err := v.Err(); err != nil {
		return s.renderNetworkNew(w, r, http.StatusUnprocessableEntity, newForm(f, err))
	}
	hash, err := auth.Hash(f.Get("password"))
	if err != nil {
		return err
	}
	n.PasswordHash = hash
	if err := s.store.CreateOrganisation(ctx, n); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderNetworkNew(w, r, http.StatusUnprocessableEntity, newForm(f, err))
	}
	return s.redirect(w, r, "/admin/network", "network.created")
}

func (s *Server) networkEdit(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOrganisation(r)
	if err != nil {
		return err
	}
	return s.renderOrgForm(w, r, http.StatusOK, o, newForm(orgValues(o), nil), true)
}

func (s *Server) networkUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOrganisation(r)
	if err != nil {
		return err
	}
	return s.saveOrg(w, r, o, "/admin/network", true)
}

func (s *Server) pathOrganisation(r *http.Request) (*opora.Organisation, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Organisation(r.Context(), id)
}
