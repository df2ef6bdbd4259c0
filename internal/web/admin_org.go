package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// The organisation's own details: name, type, territory, INN, address,
// contacts and head. They print on documents, so the form keeps them whole.

func (s *Server) orgForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := s.store.Organisation(ctx, opora.ActorFrom(ctx).OrganisationID)
	if err != nil {
		return err
	}
	return s.renderOrgForm(w, r, http.StatusOK, o, newForm(orgValues(o), nil), false)
}

func (s *Server) orgSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	// Always the actor's own organisation: an id in the form is ignored.
	o, err := s.store.Organisation(ctx, opora.ActorFrom(ctx).OrganisationID)
	if err != nil {
		return err
	}
	return s.saveOrg(w, r, o, "/admin/organisation", false)
}

// saveOrg applies the posted details to o and saves them, re-rendering the
// form with the typed values and per-field errors when they do not validate.
func (s *Server) saveOrg(w http.ResponseWriter, r *http.Request, o *opora.Organisation, back string, network bool) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	orgFromForm(r.PostForm, o)
	err := s.store.UpdateOrganisation(r.Context(), o)
	if err == nil {
		return s.redirect(w, r, back, "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	return s.renderOrgForm(w, r, http.StatusUnprocessableEntity, o, newForm(r.PostForm, err), network)
}

func (s *Server) renderOrgForm(w http.ResponseWriter, r *http.Request, status int, o *opora.Organisation, f *form, network bool) error {
	terr, err := s.territoryOptions(r.Context(), r)
	if err != nil {
		return err
	}
	title, nav := "orgsettings.title", "organisation"
	if network {
		title, nav = "network.edit_title", "network"
	}
	v := s.newView(r, title)
	v.Nav = nav
	v.Form = f
	v.Data = map[string]any{"Organisation": o, "Types": s.orgTypeOptions(r), "Territories": terr, "Network": network}
	return s.render(w, r, status, "org_form", v)
}

// orgValues fills a form from an organisation.
func orgValues(o *opora.Organisation) url.Values {
	v := url.Values{"name": {o.Name}, "short_name": {o.ShortName}, "type": {string(o.Type)}, "inn": {o.INN},
		"address": {o.Address}, "phone": {o.Phone}, "email": {o.Email}, "head": {o.Head}, "territory_id": {""}}
	if o.TerritoryID != 0 {
		v.Set("territory_id", idString(o.TerritoryID))
	}
	v.Set("backdate_days", strconv.Itoa(o.BackdateDays))
	if o.ConsentRequired {
		v.Set("consent_required", "1")
	}
	if o.TwoFactorEnforced {
		v.Set("two_factor_enforced", "1")
	}
	return v
}

// orgFromForm copies the posted details into o. A territory id that is not
// a number becomes -1, which the store refuses as an invalid choice.
func orgFromForm(f url.Values, o *opora.Organisation) {
	o.Name, o.ShortName, o.Type = f.Get("name"), f.Get("short_name"), opora.OrgType(f.Get("type"))
	o.INN, o.Address, o.Phone, o.Email, o.Head = f.Get("inn"), f.Get("address"), f.Get("phone"), f.Get("email"), f.Get("head")
	o.TerritoryID = optionalID(f.Get("territory_id"))
	if f.Has("backdate_days") {
		o.BackdateDays = backdateFromForm(f.Get("backdate_days"))
	}
	o.ConsentRequired = f.Get("consent_required") == "1"
	o.TwoFactorEnforced = f.Get("two_factor_enforced") == "1"
}

// optionalID parses an optional id from a select: "" is 0, garbage is -1.
func optionalID(s string) int64 {
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return -1
	}
	return id
}

// territoryOptions lists the territory dictionary for a select, with an
// empty first choice.
func (s *Server) territoryOptions(ctx context.Context, r *http.Request) ([]option, error) {
	ts, err := s.store.Territories(ctx)
	if err != nil {
		return nil, err
	}
	out := []option{{Value: "", Label: "—"}}
	for _, t := range ts {
		out = append(out, option{Value: idString(t.ID), Label: t.Path})
	}
	return out, nil
}
