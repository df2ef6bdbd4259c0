package web

import (
	"net/http"
	"net/url"

	"github.com/opora-project/opora/internal/opora"
)

// The organisation administrator's table of legal bases
// (/admin/legal-bases, issue 22 item 2): for each sensitive data category
// and agency type, the coded statutory ground on which the organisation
// keeps the data (its own type) or shares a family's card with that
// agency; otherwise consent is needed. An unset cell for sharing with an
// agency of the prevention system takes 120-ФЗ ст. 9
// (opora.DefaultSharingBasis).

// Values of a cell's select besides a basis code.
const (
	basisDefault     = ""         // no row: the default
	basisConsentOnly = "~consent" // a row with code "": consent only
)

type legalBasisRow struct {
	Type    opora.OrgType
	Label   string
	Own     bool   // the organisation's own type: storing
	Default string // what an unset cell means, catalog text
	Name    string
	Error   string
	Value   string
}

type legalBasisGroup struct {
	Category opora.DataCategory
	Label    string
	Rows     []legalBasisRow
}

func (s *Server) legalBases(w http.ResponseWriter, r *http.Request) error {
	cells, err := s.store.OrgLegalBases(r.Context())
	if err != nil {
		return err
	}
	vals := url.Values{}
	for _, c := range cells {
		v := c.Code
		if v == "" {
			v = basisConsentOnly
		}
		vals.Set(basisName(c.Category, c.AgencyType), v)
	}
	return s.renderLegalBases(w, r, http.StatusOK, newForm(vals, nil))
}

func basisName(cat opora.DataCategory, t opora.OrgType) string {
	return "b." + string(cat) + "." + string(t)
}

func (s *Server) renderLegalBases(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	org, err := s.store.Organisation(ctx, a.OrganisationID)
	if err != nil {
		return err
	}
	bases, err := s.store.LegalBases(ctx)
	if err != nil {
		return err
	}
	l := s.loc(r)
	var groups []legalBasisGroup
	for _, cat := range opora.DataCategories {
		if !cat.Sensitive() {
			continue
		}
		g := legalBasisGroup{Category: cat, Label: l.T("consent.category." + string(cat))}
		types := append([]opora.OrgType{org.Type}, opora.OrgTypes...)
		for i, t := range types {
			if i > 0 && t == org.Type {
				continue
			}
			row := legalBasisRow{Type: t, Label: l.T("orgtype." + string(t)), Own: i == 0, Name: basisName(cat, t)}
			row.Value = f.Values.Get(row.Name)
			row.Error = f.Errors["basis_"+string(cat)+"_"+string(t)]
			if def := opora.LegalBasisFor(nil, cat, t, !row.Own); def != "" {
				for _, b := range bases {
					if b.Code == def {
						row.Default = b.Reference
					}
				}
			}
			g.Rows = append(g.Rows, row)
		}
		groups = append(groups, g)
	}
	v := s.newView(r, "legal.title")
	v.Nav = "organisation"
	v.Data = map[string]any{"Groups": groups, "Bases": bases}
	v.Form = f
	return s.render(w, r, status, "legal_bases", v)
}

func (s *Server) legalBasesSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var cells []opora.OrgLegalBasis
	for _, cat := range opora.DataCategories {
		if !cat.Sensitive() {
			continue
		}
		for _, t := range opora.OrgTypes {
			switch v := r.PostForm.Get(basisName(cat, t)); v {
			case basisDefault:
			case basisConsentOnly:
				cells = append(cells, opora.OrgLegalBasis{Category: cat, AgencyType: t})
			default:
				cells = append(cells, opora.OrgLegalBasis{Category: cat, AgencyType: t, Code: v})
			}
		}
	}
	if err := s.store.SetOrgLegalBases(r.Context(), cells); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderLegalBases(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
	}
	return s.redirect(w, r, "/admin/legal-bases", "common.saved")
}
