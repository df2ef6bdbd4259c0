package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
)

// Office screens of the check-in: the duty worker's list of shifts with the
// "open a shift" form, points and their items (admin.org or
// dictionary.manage), a shift's list with close/reopen and CSV/XLSX export,
// and check-in persons for social workers to link to client records.

func (s *Server) requireCheckinManage(r *http.Request) error {
	a := opora.ActorFrom(r.Context())
	if a.Can(opora.PermAdminOrg) || a.Can(opora.PermDictionaryManage) {
		return nil
	}
	return opora.ErrForbidden
}

func (s *Server) checkinKindOptions(r *http.Request) []option {
	l := s.loc(r)
	var out []option
	for _, k := range opora.PointKinds {
		out = append(out, option{Value: string(k), Label: l.T("checkin.kind." + string(k))})
	}
	return out
}

func (s *Server) checkinBranchOptions(r *http.Request) ([]option, map[int64]string, error) {
	bs, err := s.store.Branches(r.Context())
	if err != nil {
		return nil, nil, err
	}
	var out []option
	names := map[int64]string{}
	for _, b := range bs {
		names[b.ID] = b.Name
		if !b.Archived {
			out = append(out, option{Value: idString(b.ID), Label: b.Name})
		}
	}
	return out, names, nil
}

// checkinHome lists the shifts of the last days and opens a new one.
func (s *Server) checkinHome(w http.ResponseWriter, r *http.Request) error {
	return s.renderCheckinHome(w, r, http.StatusOK, nil, nil)
}

// renderCheckinHome shows the shifts and the "open a shift" form; same
// lists the open shifts of the point and day the user is about to open
// again, to be warned of.
func (s *Server) renderCheckinHome(w http.ResponseWriter, r *http.Request, status int, f *form, same []*opora.CheckinShift) error {
	ctx := r.Context()
	today := s.store.Today()
	shifts, err := s.store.CheckinShifts(ctx, today.AddDate(0, 0, -14), today.AddDate(0, 0, 1), 100)
	if err != nil {
		return err
	}
	points, err := s.store.CheckinPoints(ctx, false)
	if err != nil {
		return err
	}
	var opts []option
	for _, p := range points {
		opts = append(opts, option{Value: idString(p.ID), Label: p.Name})
	}
	if f == nil {
		vals := url.Values{"date": {today.Format("02.01.2006")}, "starts": {"20:00"}, "ends": {"08:00"}}
		if len(points) > 0 {
			vals.Set("point_id", idString(points[0].ID))
		}
		f = newForm(vals, nil)
	}
	v := s.newView(r, "checkin.title")
	v.Nav = "checkin"
	v.Form = f
	v.Data = map[string]any{"Shifts": shifts, "Points": opts, "Today": today, "Same": same}
	return s.render(w, r, status, "checkin_home", v)
}

func (s *Server) checkinOpenShift(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	sh := &opora.CheckinShift{Starts: strings.TrimSpace(f.Get("starts")), Ends: strings.TrimSpace(f.Get("ends"))}
	sh.PointID, _ = strconv.ParseInt(f.Get("point_id"), 10, 64)
	var v opora.Validation
	if d, ok := opora.ParseDate(f.Get("date")); ok {
		sh.Date = d
	} else {
		v.Add("date", "error.date")
	}
	err := v.Err()
	if err == nil && f.Get("again") != "1" {
		// A second open shift at the same point and day is most likely a
		// colleague's: offer it, and open another only when confirmed.
		same, err := s.sameOpenShifts(r, sh)
		if err != nil {
			return err
		}
		if len(same) > 0 {
			return s.renderCheckinHome(w, r, http.StatusConflict, newForm(f, nil), same)
		}
	}
	if err == nil {
		err = s.store.OpenCheckinShift(r.Context(), sh)
	}
	if err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderCheckinHome(w, r, st, newForm(f, err), nil)
		}
		return err
	}
	return s.redirect(w, r, "/checkin/"+idString(sh.ID), "")
}

// sameOpenShifts returns the open shifts the user reaches at sh's point and day.
func (s *Server) sameOpenShifts(r *http.Request, sh *opora.CheckinShift) ([]*opora.CheckinShift, error) {
	shifts, err := s.store.CheckinShifts(r.Context(), sh.Date, sh.Date, 100)
	if err != nil {
		return nil, err
	}
	var out []*opora.CheckinShift
	for _, x := range shifts {
		if x.PointID == sh.PointID && x.Open() {
			out = append(out, x)
		}
	}
	return out, nil
}

func (s *Server) checkinPoints(w http.ResponseWriter, r *http.Request) error {
	points, err := s.store.CheckinPoints(r.Context(), true)
	if err != nil {
		return err
	}
	_, names, err := s.checkinBranchOptions(r)
	if err != nil {
		return err
	}
	v := s.newView(r, "checkin.points")
	v.Nav = "checkin"
	v.Data = map[string]any{"Points": points, "Branches": names}
	return s.render(w, r, http.StatusOK, "checkin_points", v)
}

func (s *Server) renderPointForm(w http.ResponseWriter, r *http.Request, status int, p *opora.CheckinPoint, f *form) error {
	branches, _, err := s.checkinBranchOptions(r)
	if err != nil {
		return err
	}
	title := "checkin.point_new"
	if p != nil {
		title = "checkin.point_edit"
	}
	v := s.newView(r, title)
	v.Nav = "checkin"
	v.Form = f
	v.Data = map[string]any{"Point": p, "Branches": branches, "Kinds": s.checkinKindOptions(r)}
	return s.render(w, r, status, "checkin_point", v)
}

func (s *Server) checkinPointNew(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireCheckinManage(r); err != nil {
		return err
	}
	vals := url.Values{"kind": {string(opora.PointWarming)}, "items": {s.loc(r).T("checkin.default_items")}}
	return s.renderPointForm(w, r, http.StatusOK, nil, newForm(vals, nil))
}

func (s *Server) checkinPointTarget(r *http.Request) (*opora.CheckinPoint, error) {
	if err := s.requireCheckinManage(r); err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.CheckinPoint(r.Context(), id)
}

func (s *Server) checkinPointEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := s.checkinPointTarget(r)
	if err != nil {
		return err
	}
	vals := url.Values{"name": {p.Name}, "address": {p.Address}, "kind": {string(p.Kind)}, "branch_id": {idString(p.BranchID)}}
	if p.Archived {
		vals.Set("archived", "1")
	}
	return s.renderPointForm(w, r, http.StatusOK, p, newForm(vals, nil))
}

func (s *Server) checkinPointCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireCheckinManage(r); err != nil {
		return err
	}
	return s.checkinPointSave(w, r, nil)
}

func (s *Server) checkinPointUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.checkinPointTarget(r)
	if err != nil {
		return err
	}
	return s.checkinPointSave(w, r, old)
}

func (s *Server) checkinPointSave(w http.ResponseWriter, r *http.Request, old *opora.CheckinPoint) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	p := &opora.CheckinPoint{Name: f.Get("name"), Address: f.Get("address"), Kind: opora.PointKind(f.Get("kind")),
		Archived: f.Get("archived") == "1"}
	p.BranchID, _ = strconv.ParseInt(f.Get("branch_id"), 10, 64)
	var items []string
	if old != nil {
		p.ID = old.ID
	} else {
		for _, line := range strings.Split(f.Get("items"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				items = append(items, line)
			}
		}
	}
	if err := s.store.SaveCheckinPoint(r.Context(), p, items); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderPointForm(w, r, st, old, newForm(f, err))
		}
		return err
	}
	flash := "common.saved"
	if old == nil {
		flash = "common.created"
	}
	return s.redirect(w, r, "/checkin/points/"+idString(p.ID)+"/edit", flash)
}

func (s *Server) checkinItemCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.checkinPointTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	it := &opora.CheckinItem{PointID: p.ID, Name: r.PostForm.Get("item_name")}
	if err := s.store.SaveCheckinItem(r.Context(), it); err != nil {
		if formStatus(err) != 0 {
			f := newForm(r.PostForm, err)
			if f.Errors["name"] != "" {
				f.Errors["item_name"] = f.Errors["name"]
			}
			return s.renderPointForm(w, r, http.StatusUnprocessableEntity, p, f)
		}
		return err
	}
	return s.redirect(w, r, "/checkin/points/"+idString(p.ID)+"/edit", "common.saved")
}

func (s *Server) checkinItemUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireCheckinManage(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	it := &opora.CheckinItem{ID: id, Name: f.Get("name"), Position: checkinAtoi(f.Get("position"), 0), Disabled: f.Get("disabled") == "1"}
	if err := s.store.SaveCheckinItem(r.Context(), it); err != nil {
		if formStatus(err) != 0 {
			return s.redirect(w, r, "/checkin/points", "checkin.item_invalid")
		}
		return err
	}
	return s.redirect(w, r, "/checkin/points/"+idString(it.PointID)+"/edit", "common.saved")
}

// checkinShiftRow is one person's line in a shift's list.
type checkinShiftRow struct {
	PersonID  int64
	ClientID  int64
	Name      string
	BirthYear int
	Items     map[int64]bool
}

func (s *Server) checkinShiftTable(r *http.Request, sh *opora.CheckinShift) ([]*opora.CheckinItem, []*checkinShiftRow, error) {
	ctx := r.Context()
	p, err := s.store.CheckinPoint(ctx, sh.PointID)
	if err != nil {
		return nil, nil, err
	}
	visits, err := s.store.ShiftVisits(ctx, sh.ID)
	if err != nil {
		return nil, nil, err
	}
	used := map[int64]bool{}
	var rows []*checkinShiftRow
	byPerson := map[int64]*checkinShiftRow{}
	for _, v := range visits {
		row := byPerson[v.PersonID]
		if row == nil {
			row = &checkinShiftRow{PersonID: v.PersonID, ClientID: v.ClientID, Name: v.PersonName, BirthYear: v.BirthYear, Items: map[int64]bool{}}
			byPerson[v.PersonID] = row
			rows = append(rows, row)
		}
		row.Items[v.ItemID] = true
		used[v.ItemID] = true
	}
	items := []*opora.CheckinItem{{ID: opora.ItemCame, Name: s.loc(r).T("checkin.came")}}
	for _, it := range p.Items {
		if !it.Disabled || used[it.ID] {
			items = append(items, it)
		}
	}
	return items, rows, nil
}

func (s *Server) checkinShiftTarget(r *http.Request) (*opora.CheckinShift, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.CheckinShift(r.Context(), id)
}

func (s *Server) checkinShiftView(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.checkinShiftTarget(r)
	if err != nil {
		return err
	}
	items, rows, err := s.checkinShiftTable(r, sh)
	if err != nil {
		return err
	}
	counts, err := s.store.CheckinCounters(r.Context(), sh.ID)
	if err != nil {
		return err
	}
	v := s.newView(r, "checkin.shift")
	v.Nav = "checkin"
	v.Data = map[string]any{"Shift": sh, "Items": items, "Rows": rows, "Counts": counts.Items, "People": counts.People}
	return s.render(w, r, http.StatusOK, "checkin_shift", v)
}

func (s *Server) checkinShiftClose(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.checkinShiftTarget(r)
	if err != nil {
		return err
	}
	if err := s.store.SetCheckinShiftStatus(r.Context(), sh.ID, opora.ShiftClosed); err != nil {
		return err
	}
	return s.redirect(w, r, "/checkin/shifts/"+idString(sh.ID)+"/list", "checkin.closed_flash")
}

func (s *Server) checkinShiftReopen(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.checkinShiftTarget(r)
	if err != nil {
		return err
	}
	if err := s.store.SetCheckinShiftStatus(r.Context(), sh.ID, opora.ShiftOpen); err != nil {
		return err
	}
	return s.redirect(w, r, "/checkin/shifts/"+idString(sh.ID)+"/list", "checkin.reopened_flash")
}

// checkinShiftExport writes a shift's list as CSV or XLSX: one line per
// person, the birth year and each item as numbers, the date as a date.
func (s *Server) checkinShiftExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	sh, err := s.checkinShiftTarget(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return opora.ErrNotFound
	}
	items, rows, err := s.checkinShiftTable(r, sh)
	if err != nil {
		return err
	}
	l := s.loc(r)
	t := &report.Table{Title: sh.PointName, Headers: []string{l.T("checkin.col.date"), l.T("checkin.col.point"),
		l.T("checkin.col.name"), l.T("checkin.col.birth_year"), l.T("checkin.col.client")}}
	for _, it := range items {
		t.Headers = append(t.Headers, it.Name)
	}
	for _, row := range rows {
		cells := []report.Cell{report.Date(sh.Date.Time()), report.Text(sh.PointName), report.Text(row.Name)}
		if row.BirthYear != 0 {
			cells = append(cells, report.Number(float64(row.BirthYear)))
		} else {
			cells = append(cells, report.Text(""))
		}
		if row.ClientID != 0 {
			cells = append(cells, report.Number(float64(row.ClientID)))
		} else {
			cells = append(cells, report.Text(""))
		}
		for _, it := range items {
			n := 0
			if row.Items[it.ID] {
				n = 1
			}
			cells = append(cells, report.Number(float64(n)))
		}
		t.Rows = append(t.Rows, cells)
	}
	if err := x.audit(r.Context(), &opora.AuditEntry{Entity: "checkin_shift", EntityID: sh.ID,
		Section: auditSection(format, "", len(rows))}); err != nil {
		return err
	}
	file := "checkin-" + sh.Date.Format("2006-01-02") + "-" + idString(sh.ID)
	if format == "csv" {
		return x.writeCSV(w, t, plainDisposition(file+".csv"), report.CSVOptions{Russian: true})
	}
	return x.writeXLSX(w, t.Sheet, "", []*report.Table{t}, plainDisposition(file+".xlsx"))
}

func (s *Server) checkinPersons(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	unlinked := r.URL.Query().Get("all") != "1"
	const perPage = 50
	page := pageNum(r)
	persons, total, err := s.store.CheckinPersons(r.Context(), q, unlinked, (page-1)*perPage, perPage)
	if err != nil {
		return err
	}
	v := s.newView(r, "checkin.persons")
	v.Nav = "checkin"
	v.Data = map[string]any{"Persons": persons, "Q": q, "All": !unlinked, "Pager": newPager(r, page, perPage, total), "Total": total}
	return s.render(w, r, http.StatusOK, "checkin_persons", v)
}

func (s *Server) renderCheckinPerson(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, visits, err := s.store.CheckinPerson(r.Context(), id)
	if err != nil {
		return err
	}
	if p.MergedInto != 0 {
		return s.redirect(w, r, "/checkin/persons/"+idString(p.MergedInto)+"/view", "")
	}
	if err := s.store.LogAudit(r.Context(), &opora.AuditEntry{Action: opora.ActionView, Entity: "checkin_person", EntityID: p.ID}); err != nil {
		return err
	}
	branches, _, err := s.checkinBranchOptions(r)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(url.Values{"branch_id": {idString(p.BranchID)}}, nil)
	}
	v := s.newView(r, "checkin.person")
	v.Nav = "checkin"
	v.Form = f
	v.Data = map[string]any{"Person": p, "Visits": visits, "Branches": branches, "Now": time.Now()}
	return s.render(w, r, status, "checkin_person", v)
}

func (s *Server) checkinPerson(w http.ResponseWriter, r *http.Request) error {
	return s.renderCheckinPerson(w, r, http.StatusOK, nil)
}

func (s *Server) checkinPersonLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	clientID, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("client_id")), 10, 64)
	err = s.store.LinkCheckinPerson(r.Context(), id, clientID)
	if clientID == 0 || opora.ErrorCode(err) == opora.ENOTFOUND {
		var v opora.Validation
		v.Add("client_id", "checkin.error.no_client")
		return s.renderCheckinPerson(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, v.Err()))
	}
	if err != nil {
		if formStatus(err) != 0 || opora.ErrorCode(err) == opora.ECONFLICT {
			return s.renderCheckinPerson(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(clientID), "checkin.linked")
}

func (s *Server) checkinPersonClient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	branchID, _ := strconv.ParseInt(r.PostForm.Get("branch_id"), 10, 64)
	c, err := s.store.CreateClientFromCheckinPerson(r.Context(), id, branchID)
	if err != nil {
		if formStatus(err) != 0 || opora.ErrorCode(err) == opora.ECONFLICT {
			return s.renderCheckinPerson(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID), "checkin.linked")
}

func (s *Server) checkinPersonMerge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	into, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("into")), 10, 64)
	if err := s.store.MergeCheckinPersons(r.Context(), id, into); err != nil {
		if opora.ErrorCode(err) == opora.ENOTFOUND && into != id {
			var v opora.Validation
			v.Add("into", "checkin.error.no_person")
			return s.renderCheckinPerson(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, v.Err()))
		}
		if formStatus(err) != 0 || opora.ErrorCode(err) == opora.ECONFLICT {
			return s.renderCheckinPerson(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/checkin/persons/"+idString(into)+"/view", "checkin.merged")
}
