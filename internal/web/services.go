package web

import (
	"encoding/binary"
	"hash/maphash"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Services rendered: the profile panel that records several services in
// one go (tick the boxes, press "Record"), the client's "Services" tab,
// editing and deleting a record, and "My services".

func init() {
	funcs["rubles"] = opora.FormatRubles
}

// loadServicesPanel is the profile's services panel (profilePanels).
func loadServicesPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	return s.servicesPanel(r, c, nil)
}

// serviceGroup is one group of the catalog with its types, in order.
type serviceGroup struct {
	Name  string
	Items []*serviceItem
}

// serviceItem is one type of the catalog as the services form (and the
// catalog's admin page) shows it:
// whether it is ticked, its fields' values and their errors (catalog keys),
// all worked out before rendering so the template calls no methods per type
// (and reads no promoted fields, which reflection looks up the slow way).
type serviceItem struct {
	ID                                       int64
	Name                                     string
	HasQuantity, HasAmount, CommentRequired  bool
	Active                                   bool
	Checked                                  bool
	Quantity, Amount, Comment                string
	QuantityError, AmountError, CommentError string
}

// groupServiceTypes lays the catalog out for the form, filled from f when
// the form is shown again after an error (nil for a fresh form).
func groupServiceTypes(types []*opora.ServiceType, f *form) []*serviceGroup {
	var out []*serviceGroup
	idx := map[string]*serviceGroup{}
	var ticked map[string]bool
	if f != nil {
		ticked = map[string]bool{}
		for _, v := range f.Values["service_type"] {
			ticked[v] = true
		}
	}
	value := func(field string, id int64, def string) string {
		if f == nil {
			return def
		}
		name := opora.ServiceField(field, id)
		if _, ok := f.Values[name]; !ok {
			return def
		}
		return f.Values.Get(name)
	}
	fieldError := func(field string, id int64) string {
		if f == nil {
			return ""
		}
		return f.Errors[opora.ServiceField(field, id)]
	}
	for _, t := range types {
		g := idx[t.Group]
		if g == nil {
			g = &serviceGroup{Name: t.Group}
			idx[t.Group] = g
			out = append(out, g)
		}
		g.Items = append(g.Items, &serviceItem{ID: t.ID, Name: t.Name, HasQuantity: t.HasQuantity, HasAmount: t.HasAmount,
			CommentRequired: t.CommentRequired, Active: t.Active, Checked: ticked[idString(t.ID)],
			Quantity: value("quantity", t.ID, "1"), Amount: value("amount", t.ID, ""), Comment: value("comment", t.ID, ""),
			QuantityError: fieldError("quantity", t.ID), AmountError: fieldError("amount", t.ID),
			CommentError: fieldError("comment", t.ID)})
	}
	return out
}

// servicesPanelData is the profile panel: the active catalog as big
// checkboxes by group, the date (today, back to the window) and the last
// services recorded.
type servicesPanelData struct {
	Groups    []*serviceGroup
	Today     string // yyyy-mm-dd
	MinDate   string
	Window    int
	CanRecord bool
	Recent    []*opora.Service
	Total     int
	Form      *form
	// GroupsHTML is the fresh form's service types, rendered once per
	// language and catalog; empty when the form is shown again with the
	// user's values (then the template renders Groups).
	GroupsHTML template.HTML
}

// Error is the catalog key of a plain field's error ("rendered_on",
// "service_type"), "" when none.
func (p *servicesPanelData) Error(field string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Errors[field]
}

// Date is the date field's value.
func (p *servicesPanelData) Date() string {
	if p.Form != nil {
		return p.Form.Values.Get("rendered_on")
	}
	return p.Today
}

func (s *Server) servicesPanel(r *http.Request, c *opora.Client, f *form) (*servicesPanelData, error) {
	ctx := r.Context()
	types, err := s.store.ServiceTypes(ctx, true)
	if err != nil {
		return nil, err
	}
	window, err := s.store.BackdateDays(ctx)
	if err != nil {
		return nil, err
	}
	today := opora.ServiceToday(s.store.Now())
	p := &servicesPanelData{Groups: groupServiceTypes(types, f), Today: today.Format("2006-01-02"),
		MinDate: today.AddDays(-window).Format("2006-01-02"), Window: window, Form: f,
		CanRecord: opora.ActorFrom(ctx).Can(opora.PermClientWrite) && !c.Deleted() && c.MergedInto == 0}
	if p.Recent, p.Total, err = s.store.ClientServices(ctx, c.ID, 0, 5); err != nil {
		return nil, err
	}
	if f == nil && p.CanRecord && len(p.Groups) > 0 {
		// The checkboxes of a fresh form are the same for every client:
		// about a fifth of a profile page's allocations when rendered
		// each time.
		var h maphash.Hash
		h.SetSeed(fragmentSeed)
		for _, g := range p.Groups {
			h.WriteString(g.Name)
			h.WriteByte(0)
			for _, it := range g.Items {
				var b [8]byte
				binary.LittleEndian.PutUint64(b[:], uint64(it.ID))
				h.Write(b[:])
				h.WriteString(it.Name)
				h.WriteByte(0)
				for _, flag := range []bool{it.HasQuantity, it.HasAmount, it.CommentRequired} {
					if flag {
						h.WriteByte(1)
					} else {
						h.WriteByte(2)
					}
				}
			}
			h.WriteByte(3)
		}
		if p.GroupsHTML, err = s.renderFragment(r, "svc_groups", h.Sum64(), map[string]any{"V": &view{loc: s.loc(r), Lang: s.lang(r)}, "P": &servicesPanelData{Groups: p.Groups}}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// renderServicesProfile shows the profile again with the services form
// filled in and its errors (the same page as clientProfile).
func (s *Server) renderServicesProfile(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	c, ok, err := s.loadClient(w, r, "profile")
	if err != nil || !ok {
		return err
	}
	d, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	for _, p := range profilePanels {
		v, err := p.Load(s, r, c)
		if err != nil {
			return err
		}
		d.Panels[p.Name] = v
	}
	if d.Panels["services"], err = s.servicesPanel(r, c, f); err != nil {
		return err
	}
	events, err := s.store.Timeline(r.Context(), c.ID, nil, 0, 10)
	if err != nil {
		return err
	}
	d.Events = s.eventLines(r, events)
	d.Tab = "profile"
	v := s.newView(r, "clients.profile")
	v.Nav = "clients"
	v.Data = d
	return s.render(w, r, status, "client_profile", v)
}

// servicesRecord saves every ticked service in one transaction.
func (s *Server) servicesRecord(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	var v opora.Validation
	date, _ := opora.ParseDate(f.Get("rendered_on")) // zero when unreadable: the store reports it
	var items []*opora.Service
	seen := map[int64]bool{}
	for _, tid := range formIDs(f["service_type"]) {
		if seen[tid] {
			continue
		}
		seen[tid] = true
		it := &opora.Service{TypeID: tid, Quantity: 1, Comment: f.Get(opora.ServiceField("comment", tid))}
		if q := strings.TrimSpace(f.Get(opora.ServiceField("quantity", tid))); q != "" {
			if n, err := strconv.Atoi(q); err != nil {
				v.Add(opora.ServiceField("quantity", tid), "services.error.quantity")
			} else {
				it.Quantity = n
			}
		}
		if a := strings.TrimSpace(f.Get(opora.ServiceField("amount", tid))); a != "" {
			if k, ok := opora.ParseRubles(a); !ok {
				v.Add(opora.ServiceField("amount", tid), "services.error.amount")
			} else {
				it.Amount, it.HasAmount = k, true
			}
		}
		items = append(items, it)
	}
	if len(f["service_type"]) > 0 && len(items) == 0 {
		v.Add("service_type", "error.invalid_choice")
	}
	err = v.Err()
	if err == nil {
		err = s.store.RecordServices(r.Context(), id, date, items)
	}
	if err == nil {
		return s.redirect(w, r, "/clients/"+idString(id)+"#services", "services.recorded")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	return s.renderServicesProfile(w, r, http.StatusUnprocessableEntity, newForm(f, err))
}

// servicesTab is the client's "Services" tab.
type servicesTab struct {
	Services   []*opora.Service
	Changeable map[int64]bool
	Pager      pager
}

func (s *Server) servicesClient(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "services")
	if err != nil || !ok {
		return err
	}
	d, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	ctx := r.Context()
	const perPage = 50
	page := pageNum(r)
	list, total, err := s.store.ClientServices(ctx, c.ID, (page-1)*perPage, perPage)
	if err != nil {
		return err
	}
	tab := &servicesTab{Services: list, Changeable: map[int64]bool{}, Pager: newPager(r, page, perPage, total)}
	if err := s.fillChangeable(r, list, tab.Changeable); err != nil {
		return err
	}
	d.Tab, d.Panels["services"] = "services", tab
	v := s.newView(r, "services.tab")
	v.Nav = "clients"
	v.Data = d
	return s.render(w, r, http.StatusOK, "services_client", v)
}

// fillChangeable marks the records the actor may edit or delete.
func (s *Server) fillChangeable(r *http.Request, list []*opora.Service, out map[int64]bool) error {
	ctx := r.Context()
	if len(list) == 0 {
		return nil
	}
	window, err := s.store.BackdateDays(ctx)
	if err != nil {
		return err
	}
	a, today := opora.ActorFrom(ctx), opora.ServiceToday(s.store.Now())
	for _, sv := range list {
		out[sv.ID] = opora.CanChangeService(a, sv, today, window)
	}
	return nil
}

// serviceEditData is the edit page of one record.
type serviceEditData struct {
	Service *opora.Service
	Type    *opora.ServiceType // the record's type, or the one the form sent back
	Types   []option           // the active types and the record's own
	Today   string
	MinDate string
}

func serviceValues(sv *opora.Service) url.Values {
	v := url.Values{}
	v.Set("rendered_on", sv.RenderedOn.Format("2006-01-02"))
	v.Set("quantity", strconv.Itoa(sv.Quantity))
	v.Set("amount", sv.AmountText())
	v.Set("comment", sv.Comment)
	v.Set("type_id", idString(sv.TypeID))
	v.Set("version", strconv.Itoa(sv.Version))
	return v
}

// changeableService loads a record for its edit page; others' records and
// those past the window answer 403 (the store checks again on save).
func (s *Server) changeableService(r *http.Request) (*opora.Service, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	sv, err := s.store.Service(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if sv.Deleted() {
		return nil, opora.ErrNotFound
	}
	ok, err := s.store.CanChangeService(r.Context(), sv)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, opora.ErrForbidden
	}
	return sv, nil
}

func (s *Server) renderServiceEdit(w http.ResponseWriter, r *http.Request, status int, sv *opora.Service, f *form) error {
	ctx := r.Context()
	types, err := s.store.ServiceTypes(ctx, false)
	if err != nil {
		return err
	}
	d := &serviceEditData{Service: sv, Type: &opora.ServiceType{ID: sv.TypeID, Name: sv.TypeName}}
	// The fields follow the type the form sent back, so a new type's amount
	// or quantity shows next to its error.
	typeID := sv.TypeID
	if id, err := strconv.ParseInt(f.Values.Get("type_id"), 10, 64); err == nil && id > 0 {
		typeID = id
	}
	for _, t := range types {
		if t.ID == typeID {
			d.Type = t
		}
		if t.Active || t.ID == sv.TypeID {
			d.Types = append(d.Types, option{Value: idString(t.ID), Label: t.Name})
		}
	}
	window, err := s.store.BackdateDays(ctx)
	if err != nil {
		return err
	}
	today := opora.ServiceToday(s.store.Now())
	d.Today, d.MinDate = today.Format("2006-01-02"), today.AddDays(-window).Format("2006-01-02")
	v := s.newView(r, "services.edit")
	v.Nav = "clients"
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "services_edit", v)
}

func (s *Server) serviceEdit(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.changeableService(r)
	if err != nil {
		return err
	}
	return s.renderServiceEdit(w, r, http.StatusOK, sv, newForm(serviceValues(sv), nil))
}

func (s *Server) serviceUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	cur, err := s.changeableService(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	sv := &opora.Service{ID: cur.ID, Quantity: 1, Comment: f.Get("comment")}
	sv.TypeID, _ = strconv.ParseInt(f.Get("type_id"), 10, 64)
	sv.Version, _ = strconv.Atoi(f.Get("version"))
	sv.RenderedOn, _ = opora.ParseDate(f.Get("rendered_on"))
	var v opora.Validation
	if q := strings.TrimSpace(f.Get("quantity")); q != "" {
		if sv.Quantity, err = strconv.Atoi(q); err != nil {
			v.Add("quantity", "services.error.quantity")
		}
	}
	if a := strings.TrimSpace(f.Get("amount")); a != "" {
		if k, ok := opora.ParseRubles(a); ok {
			sv.Amount, sv.HasAmount = k, true
		} else {
			v.Add("amount", "services.error.amount")
		}
	}
	err = v.Err()
	if err == nil {
		err = s.store.UpdateService(r.Context(), sv)
	}
	switch opora.ErrorCode(err) {
	case "":
		return s.redirect(w, r, "/clients/"+idString(cur.ClientID)+"/services", "common.saved")
	case opora.EINVALID:
		return s.renderServiceEdit(w, r, http.StatusUnprocessableEntity, cur, newForm(f, err))
	case opora.ECONFLICT:
		vals := serviceValues(cur)
		fm := newForm(vals, nil)
		fm.Error = opora.ErrorMessage(err)
		return s.renderServiceEdit(w, r, http.StatusConflict, cur, fm)
	}
	return err
}

func (s *Server) serviceDelete(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	cur, err := s.changeableService(r)
	if err != nil {
		return err
	}
	err = s.store.DeleteService(r.Context(), cur.ID, r.PostForm.Get("reason"))
	if err == nil {
		return s.redirect(w, r, "/clients/"+idString(cur.ClientID)+"/services", "services.deleted")
	}
	if opora.ErrorCode(err) == opora.EINVALID {
		return s.renderServiceEdit(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
	}
	return err
}

// servicesMineData is "My services".
type servicesMineData struct {
	Services []*opora.Service
	Totals   store.ServiceTotals
	Types    []option
	Pager    pager
}

// servicesMine lists what I recorded, by period (both ends inclusive) and type.
func (s *Server) servicesMine(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	today := opora.ServiceToday(s.store.Now())
	vals := url.Values{}
	vals.Set("from", today.AddDays(1-today.Day()).Format("2006-01-02"))
	vals.Set("to", today.Format("2006-01-02"))
	for _, k := range []string{"from", "to", "type"} {
		if q.Has(k) {
			vals.Set(k, strings.TrimSpace(q.Get(k)))
		}
	}
	var v opora.Validation
	var f store.ServiceFilter
	if from := vals.Get("from"); from != "" {
		if d, ok := opora.ParseDate(from); ok {
			f.From = d
		} else {
			v.Add("from", "error.date")
		}
	}
	if to := vals.Get("to"); to != "" {
		if d, ok := opora.ParseDate(to); ok {
			f.To = d
		} else {
			v.Add("to", "error.date")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		v.Add("to", "services.error.period")
	}
	f.TypeID, _ = strconv.ParseInt(vals.Get("type"), 10, 64)
	types, err := s.store.ServiceTypes(ctx, false)
	if err != nil {
		return err
	}
	l := s.loc(r)
	d := &servicesMineData{Types: []option{{Value: "", Label: l.T("common.all")}}}
	for _, t := range types {
		d.Types = append(d.Types, option{Value: idString(t.ID), Label: t.Name})
	}
	const perPage = 50
	page := pageNum(r)
	if len(v.Fields) == 0 {
		f.Offset, f.Limit = (page-1)*perPage, perPage
		if d.Services, d.Totals, err = s.store.MyServices(ctx, f); err != nil {
			return err
		}
	}
	d.Pager = newPager(r, page, perPage, d.Totals.Count)
	view := s.newView(r, "services.mine")
	view.Nav = "services"
	view.Form = newForm(vals, v.Err())
	view.Form.Error = ""
	view.Data = d
	return s.render(w, r, http.StatusOK, "services_mine", view)
}

// backdateFromForm reads the organisation's back-dating window from its
// settings form; anything but a whole number becomes -1, which is refused.
func backdateFromForm(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}
