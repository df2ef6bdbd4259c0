package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The resource map per municipality (issue 21, item 7): the search by need
// and municipality for everyone on families, a service's page, and the
// editors' screens (resources.manage) for organisations, their locations
// and services. A family's task points to a service from the search
// (?task=) or its page: POST /agency/tasks/{id}/resource.

// resourceOptions are the pickers: needs and municipalities.
func (s *Server) resourceOptions(r *http.Request, anyKey string) (terms, territories []option, err error) {
	ctx := r.Context()
	ts, err := s.store.ResourceTerms(ctx)
	if err != nil {
		return nil, nil, err
	}
	l := s.loc(r)
	if anyKey != "" {
		terms = append(terms, option{"", l.T(anyKey)})
		territories = append(territories, option{"", l.T(anyKey)})
	}
	for _, t := range ts {
		terms = append(terms, option{idString(t.ID), t.Name})
	}
	trs, err := s.store.Territories(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range trs {
		if t.Kind != opora.TerritoryRegion {
			territories = append(territories, option{idString(t.ID), t.Path})
		}
	}
	return terms, territories, nil
}

// resourceTask is the family's task the search picks a resource for.
type resourceTask struct {
	ID      int64
	Title   string
	Version int
}

func (s *Server) resourcesSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	rs := store.ResourceSearch{Query: q.Get("q")}
	rs.TermID, _ = strconv.ParseInt(q.Get("need"), 10, 64)
	rs.TerritoryID, _ = strconv.ParseInt(q.Get("territory"), 10, 64)
	var task *resourceTask
	if id, err := strconv.ParseInt(q.Get("task"), 10, 64); err == nil && id > 0 {
		t, err := s.store.FamilyTask(ctx, id)
		if err != nil {
			return err
		}
		// Offer «Указать в задаче» only to whoever may point it.
		if _, may, err := s.store.TaskResource(ctx, id); err != nil && !errors.Is(err, opora.ErrNotFound) {
			return err
		} else if may {
			task = &resourceTask{ID: t.ID, Title: t.Title(), Version: t.Version}
		}
		// The search for a task starts in the family's municipality.
		if !q.Has("territory") {
			if rs.TerritoryID, err = s.store.TaskTerritory(ctx, id); err != nil {
				return err
			}
		}
	}
	found, err := s.store.SearchResources(ctx, rs)
	if err != nil {
		return err
	}
	terms, territories, err := s.resourceOptions(r, "resources.any")
	if err != nil {
		return err
	}
	v := s.newView(r, "resources.title")
	v.Nav = "resources"
	v.Form = newForm(url.Values{"q": {rs.Query}, "need": {q.Get("need")}, "territory": {idText(rs.TerritoryID)},
		"task": {q.Get("task")}}, nil)
	v.Data = map[string]any{"Services": found, "Task": task, "Searched": q.Has("q") || q.Has("need") || q.Has("territory"),
		"Terms": terms, "Territories": territories}
	return s.render(w, r, http.StatusOK, "resources_search", v)
}

func (s *Server) resourceServicePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sv, err := s.store.ResourceService(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.newView(r, "resources.service")
	v.Nav = "resources"
	v.Data = map[string]any{"Service": sv}
	return s.render(w, r, http.StatusOK, "resources_service", v)
}

// --- organisations ---------------------------------------------------------

func (s *Server) resourceOrgs(w http.ResponseWriter, r *http.Request) error {
	return s.renderResourceOrgs(w, r, http.StatusOK, nil)
}

// renderResourceOrgs shows the organisations and, for resources.manage,
// the HSDS download and upload (resources_hsds.go) with the upload's error.
func (s *Server) renderResourceOrgs(w http.ResponseWriter, r *http.Request, status int, uploadErr error) error {
	orgs, err := s.store.ResourceOrganizations(r.Context())
	if err != nil {
		return err
	}
	var territories []option
	if opora.ActorFrom(r.Context()).Can(opora.PermResourcesManage) {
		if territories, err = s.hsdsTerritories(r); err != nil {
			return err
		}
	}
	v := s.newView(r, "resources.organizations")
	v.Nav = "resources"
	v.Form = newForm(url.Values{"territory": {r.URL.Query().Get("territory")}}, uploadErr)
	v.Data = map[string]any{"Organizations": orgs, "Territories": territories, "MaxMB": s.cfg.MaxUploadBytes >> 20}
	return s.render(w, r, status, "resources_orgs", v)
}

func (s *Server) resourceOrgPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.store.ResourceOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.newView(r, "resources.organization")
	v.Nav = "resources"
	v.Data = map[string]any{"Organization": o}
	return s.render(w, r, http.StatusOK, "resources_org", v)
}

func resourceOrgValues(o *opora.ResourceOrganization) url.Values {
	return url.Values{"name": {o.Name}, "alternate_name": {o.AlternateName}, "description": {o.Description},
		"email": {o.Email}, "website": {o.Website}, "tax_id": {o.TaxID}, "phone": {o.Phone},
		"network_organisation_id": {idText(o.NetworkOrgID)}, "version": {strconv.Itoa(o.Version)}}
}

func (s *Server) renderResourceOrgForm(w http.ResponseWriter, r *http.Request, status int, o *opora.ResourceOrganization, f *form) error {
	orgs, err := s.store.ResourceNetworkOrganisations(r.Context())
	if err != nil {
		return err
	}
	opts := []option{{"", s.loc(r).T("resources.not_in_network")}}
	for _, n := range orgs {
		opts = append(opts, option{idString(n.ID), n.Name})
	}
	title := "resources.organization_new"
	if o != nil {
		title = "resources.organization_edit"
	}
	v := s.newView(r, title)
	v.Nav = "resources"
	v.Form = f
	v.Data = map[string]any{"Organization": o, "NetworkOrgs": opts}
	return s.render(w, r, status, "resources_org_form", v)
}

func (s *Server) resourceOrgNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderResourceOrgForm(w, r, http.StatusOK, nil, newForm(nil, nil))
}

func (s *Server) resourceOrgEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.store.ResourceOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderResourceOrgForm(w, r, http.StatusOK, o, newForm(resourceOrgValues(o), nil))
}

func (s *Server) resourceOrgSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	var old *opora.ResourceOrganization
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if old, err = s.store.ResourceOrganization(ctx, id); err != nil {
			return err
		}
	}
	f := r.PostForm
	o := &opora.ResourceOrganization{Name: f.Get("name"), AlternateName: f.Get("alternate_name"),
		Description: f.Get("description"), Email: f.Get("email"), Website: f.Get("website"), TaxID: f.Get("tax_id"),
		Phone: f.Get("phone")}
	o.NetworkOrgID, _ = strconv.ParseInt(f.Get("network_organisation_id"), 10, 64)
	o.Version, _ = strconv.Atoi(f.Get("version"))
	if old != nil {
		o.ID = old.ID
	}
	if err := s.store.SaveResourceOrganization(ctx, o); err != nil {
		return s.resourceFormFailed(w, r, err, func(status int, fm *form) error {
			return s.renderResourceOrgForm(w, r, status, old, fm)
		})
	}
	return s.redirect(w, r, "/resources/organizations/"+idString(o.ID), "common.saved")
}

// resourceFormFailed re-renders a form with the user's values: 422 for
// field errors, 409 when someone saved first; other errors pass on.
func (s *Server) resourceFormFailed(w http.ResponseWriter, r *http.Request, err error, again func(int, *form) error) error {
	switch opora.ErrorCode(err) {
	case opora.EINVALID:
		return again(http.StatusUnprocessableEntity, newForm(r.PostForm, err))
	case opora.ECONFLICT:
		return again(http.StatusConflict, newForm(r.PostForm, err))
	}
	return err
}

// --- locations -------------------------------------------------------------

func resourceLocationValues(l *opora.ResourceLocation) url.Values {
	return url.Values{"name": {l.Name}, "description": {l.Description}, "transportation": {l.Transportation},
		"territory_id": {idText(l.TerritoryID)}, "address_1": {l.Address1}, "city": {l.City},
		"postal_code": {l.PostalCode}, "phone": {l.Phone}, "version": {strconv.Itoa(l.Version)}}
}

func (s *Server) renderResourceLocationForm(w http.ResponseWriter, r *http.Request, status int, o *opora.ResourceOrganization,
	l *opora.ResourceLocation, f *form) error {
	_, territories, err := s.resourceOptions(r, "")
	if err != nil {
		return err
	}
	territories = append([]option{{"", ""}}, territories...)
	title := "resources.location_new"
	if l != nil {
		title = "resources.location_edit"
	}
	v := s.newView(r, title)
	v.Nav = "resources"
	v.Form = f
	v.Data = map[string]any{"Organization": o, "Location": l, "Territories": territories}
	return s.render(w, r, status, "resources_location_form", v)
}

// resourceLocationTarget reads the organisation (and for an edit the
// location) a location form is about.
func (s *Server) resourceLocationTarget(r *http.Request) (*opora.ResourceOrganization, *opora.ResourceLocation, error) {
	ctx := r.Context()
	var l *opora.ResourceLocation
	var orgID int64
	if r.PathValue("loc") != "" {
		id, err := pathID(r, "loc")
		if err != nil {
			return nil, nil, err
		}
		if l, err = s.store.ResourceLocation(ctx, id); err != nil {
			return nil, nil, err
		}
		orgID = l.OrganizationID
	} else {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, nil, err
		}
		orgID = id
	}
	o, err := s.store.ResourceOrganization(ctx, orgID)
	return o, l, err
}

func (s *Server) resourceLocationForm(w http.ResponseWriter, r *http.Request) error {
	if err := opora.ActorFrom(r.Context()).Require(opora.PermResourcesManage); err != nil {
		return err
	}
	o, l, err := s.resourceLocationTarget(r)
	if err != nil {
		return err
	}
	vals := url.Values{}
	if l != nil {
		vals = resourceLocationValues(l)
	}
	return s.renderResourceLocationForm(w, r, http.StatusOK, o, l, newForm(vals, nil))
}

func (s *Server) resourceLocationSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	o, old, err := s.resourceLocationTarget(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	l := &opora.ResourceLocation{OrganizationID: o.ID, Name: f.Get("name"), Description: f.Get("description"),
		Transportation: f.Get("transportation"), Address1: f.Get("address_1"), City: f.Get("city"),
		PostalCode: f.Get("postal_code"), Phone: f.Get("phone")}
	l.TerritoryID, _ = strconv.ParseInt(f.Get("territory_id"), 10, 64)
	l.Version, _ = strconv.Atoi(f.Get("version"))
	if old != nil {
		l.ID = old.ID
	}
	if err := s.store.SaveResourceLocation(r.Context(), l); err != nil {
		return s.resourceFormFailed(w, r, err, func(status int, fm *form) error {
			return s.renderResourceLocationForm(w, r, status, o, old, fm)
		})
	}
	return s.redirect(w, r, "/resources/organizations/"+idString(o.ID), "common.saved")
}

// --- services --------------------------------------------------------------

func resourceServiceValues(sv *opora.ResourceService) url.Values {
	vals := url.Values{"name": {sv.Name}, "alternate_name": {sv.AlternateName}, "description": {sv.Description},
		"url": {sv.URL}, "email": {sv.Email}, "status": {string(sv.Status)}, "application_process": {sv.ApplicationProcess},
		"fees_description": {sv.FeesDescription}, "eligibility_description": {sv.EligibilityDescription},
		"minimum_age": {intPtrString(sv.MinimumAge)}, "maximum_age": {intPtrString(sv.MaximumAge)},
		"capacity": {intPtrString(sv.Capacity)}, "free_places": {intPtrString(sv.FreePlaces)},
		"capacity_note": {sv.CapacityNote}, "location_id": {idText(sv.LocationID)}, "opens_at": {sv.Hours.OpensAt},
		"closes_at": {sv.Hours.ClosesAt}, "hours_notes": {sv.Hours.Notes}, "phone": {sv.Phone},
		"contact_name": {sv.ContactName}, "contact_email": {sv.ContactEmail}, "version": {strconv.Itoa(sv.Version)}}
	vals["days"] = sv.Hours.Days
	for _, id := range sv.TermIDs {
		vals.Add("terms", idString(id))
	}
	return vals
}

func intPtrString(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func (s *Server) renderResourceServiceForm(w http.ResponseWriter, r *http.Request, status int, o *opora.ResourceOrganization,
	sv *opora.ResourceService, f *form) error {
	terms, _, err := s.resourceOptions(r, "")
	if err != nil {
		return err
	}
	l := s.loc(r)
	var locs []option
	for _, loc := range o.Locations {
		label := loc.Title()
		if loc.TerritoryName != "" {
			label += " (" + loc.TerritoryName + ")"
		}
		locs = append(locs, option{idString(loc.ID), label})
	}
	var statuses []option
	for _, st := range opora.ResourceStatuses {
		statuses = append(statuses, option{string(st), l.T("resources.status." + st.Key())})
	}
	var days []option
	for _, d := range opora.Weekdays {
		days = append(days, option{d, l.T("resources.day." + d)})
	}
	title := "resources.service_new"
	if sv != nil {
		title = "resources.service_edit"
	}
	v := s.newView(r, title)
	v.Nav = "resources"
	v.Form = f
	v.Data = map[string]any{"Organization": o, "Service": sv, "Terms": terms, "Locations": locs, "Statuses": statuses,
		"Days": days}
	return s.render(w, r, status, "resources_service_form", v)
}

func (s *Server) resourceServiceTarget(r *http.Request) (*opora.ResourceOrganization, *opora.ResourceService, error) {
	ctx := r.Context()
	var sv *opora.ResourceService
	var orgID int64
	if r.PathValue("svc") != "" {
		id, err := pathID(r, "svc")
		if err != nil {
			return nil, nil, err
		}
		if sv, err = s.store.ResourceService(ctx, id); err != nil {
			return nil, nil, err
		}
		orgID = sv.OrganizationID
	} else {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, nil, err
		}
		orgID = id
	}
	o, err := s.store.ResourceOrganization(ctx, orgID)
	return o, sv, err
}

func (s *Server) resourceServiceForm(w http.ResponseWriter, r *http.Request) error {
	if err := opora.ActorFrom(r.Context()).Require(opora.PermResourcesManage); err != nil {
		return err
	}
	o, sv, err := s.resourceServiceTarget(r)
	if err != nil {
		return err
	}
	vals := url.Values{"status": {string(opora.ResourceActive)}}
	if sv != nil {
		vals = resourceServiceValues(sv)
	} else if len(o.Locations) == 1 {
		vals.Set("location_id", idString(o.Locations[0].ID))
	}
	return s.renderResourceServiceForm(w, r, http.StatusOK, o, sv, newForm(vals, nil))
}

func (s *Server) resourceServiceSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	o, old, err := s.resourceServiceTarget(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	sv := &opora.ResourceService{OrganizationID: o.ID, Name: f.Get("name"), AlternateName: f.Get("alternate_name"),
		Description: f.Get("description"), URL: f.Get("url"), Email: f.Get("email"),
		Status: opora.ResourceStatus(f.Get("status")), ApplicationProcess: f.Get("application_process"),
		FeesDescription: f.Get("fees_description"), EligibilityDescription: f.Get("eligibility_description"),
		CapacityNote: f.Get("capacity_note"), Phone: f.Get("phone"), ContactName: f.Get("contact_name"),
		ContactEmail: f.Get("contact_email"),
		Hours: opora.ResourceHours{Days: f["days"], OpensAt: f.Get("opens_at"), ClosesAt: f.Get("closes_at"),
			Notes: f.Get("hours_notes")}}
	var bad opora.Validation
	for name, dst := range map[string]**int{"minimum_age": &sv.MinimumAge, "maximum_age": &sv.MaximumAge,
		"capacity": &sv.Capacity, "free_places": &sv.FreePlaces} {
		n, ok := opora.ParseOptionalInt(f.Get(name))
		if !ok {
			bad.Add(name, "resources.error.number")
		}
		*dst = n
	}
	sv.LocationID, _ = strconv.ParseInt(f.Get("location_id"), 10, 64)
	for _, t := range f["terms"] {
		if id, err := strconv.ParseInt(t, 10, 64); err == nil {
			sv.TermIDs = append(sv.TermIDs, id)
		}
	}
	sv.Version, _ = strconv.Atoi(f.Get("version"))
	if old != nil {
		sv.ID = old.ID
	}
	err = bad.Err()
	if err == nil {
		err = s.store.SaveResourceService(r.Context(), sv)
	}
	if err != nil {
		return s.resourceFormFailed(w, r, err, func(status int, fm *form) error {
			return s.renderResourceServiceForm(w, r, status, o, old, fm)
		})
	}
	return s.redirect(w, r, "/resources/services/"+idString(sv.ID), "common.saved")
}

// --- a task's resource -----------------------------------------------------

// taskResourceSet points a family's task to a service (service_id) or
// clears it (empty), then goes back to the task.
func (s *Server) taskResourceSet(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	serviceID, _ := strconv.ParseInt(r.PostForm.Get("service_id"), 10, 64)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	if err := s.store.SetTaskResource(r.Context(), id, serviceID, version); err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			return s.redirect(w, r, "/agency/tasks/"+idString(id), opora.ErrorMessage(err))
		}
		return err
	}
	flash := "resources.task_set"
	if serviceID == 0 {
		flash = "resources.task_cleared"
	}
	return s.redirect(w, r, "/agency/tasks/"+idString(id)+"#resource", flash)
}

// taskResourceView is the resource block of a family's task page.
type taskResourceView struct {
	TaskID   int64
	Version  int
	Service  *opora.ResourceService // nil: none chosen
	CanPoint bool
}

// taskResource reads the resource of a family's task for its page; nil
// for a client's task.
func (s *Server) taskResource(r *http.Request, t *opora.Task) (*taskResourceView, error) {
	if t.FamilyID == 0 {
		return nil, nil
	}
	sv, may, err := s.store.TaskResource(r.Context(), t.ID)
	if err != nil && !errors.Is(err, opora.ErrNotFound) {
		return nil, err
	}
	if sv == nil && !may {
		return nil, nil
	}
	return &taskResourceView{TaskID: t.ID, Version: t.Version, Service: sv, CanPoint: may}, nil
}
