package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// The audit screen: who did what, when, to which record. It only reads; the
// audit log itself is append-only in the database.

const auditPerPage = 50

// auditEntities are the entity types offered in the filter; the audit log
// may hold others (later features add theirs), which the filter accepts too.
var auditEntities = []string{"client", "note", "restriction", "reminder", "identity_document", "file", "service", "case",
	"task", "shelter_stay", "medical_check", "checkin_person", "checkin_visit", "report", "services_register", "saved_report",
	"organisation", "branch", "role", "user", "territory", "form", "form_field", "service_type", "plan_template", "route",
	"doc_template", "issued_document"}

var entityPattern = regexp.MustCompile(`^[a-z_]{1,40}$`)

// auditRow is one audit entry prepared for the table.
type auditRow struct {
	At         time.Time
	UserID     int64 // 0 unless the user is in the filter's list (a network administrator may not be)
	User       string
	Action     string
	Entity     string
	EntityID   int64
	EntityLink string
	Section    string
	Changes    []string
	IP         string
}

// parseAuditFilter reads the filter from the query. Each bad value gets an
// error key under its field name, shown next to that filter.
func parseAuditFilter(q url.Values, users []*opora.User) (opora.AuditFilter, map[string]string) {
	var f opora.AuditFilter
	var v opora.Validation
	if s := strings.TrimSpace(q.Get("user")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || !slices.ContainsFunc(users, func(u *opora.User) bool { return u.ID == id }) {
			v.Add("user", "audit.error.user")
		}
		f.UserID = id
	}
	if s := q.Get("action"); s != "" {
		if !slices.Contains(opora.AuditActions, s) {
			v.Add("action", "error.invalid_choice")
		}
		f.Action = s
	}
	if s := strings.TrimSpace(q.Get("entity")); s != "" {
		if !entityPattern.MatchString(s) {
			v.Add("entity", "error.invalid_choice")
		}
		f.Entity = s
	}
	if s := strings.TrimSpace(q.Get("entity_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			v.Add("entity_id", "audit.error.entity_id")
		} else if f.Entity == "" {
			v.Add("entity", "audit.error.entity_needed")
		}
		f.EntityID = id
	}
	// Dates are days in the server's time zone, the one the table shows.
	day := func(field string) time.Time {
		s := strings.TrimSpace(q.Get(field))
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, time.Local)
		if err != nil || t.Year() < 1900 || t.Year() > 9999 {
			v.Add(field, "audit.error.date")
			return time.Time{}
		}
		return t
	}
	f.From = day("from")
	if to := day("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the "to" day is included: stop at the next midnight
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		v.Add("to", "audit.error.period")
	}
	return f, v.Fields
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	users, err := s.store.AuditUsers(ctx)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, errs := parseAuditFilter(q, users)
	page := pageNum(r)
	status := http.StatusOK
	var entries []*opora.AuditEntry
	total := 0
	if len(errs) > 0 {
		// A bad filter shows nothing rather than rows it did not ask for.
		status = http.StatusBadRequest
	} else {
		f.Offset, f.Limit = (page-1)*auditPerPage, auditPerPage
		if entries, total, err = s.store.AuditEntries(ctx, f); err != nil {
			return err
		}
	}
	l := s.loc(r)
	tr := func(key, fallback string) string {
		if t := l.T(key); t != key {
			return t
		}
		return fallback
	}
	ours := make(map[int64]bool, len(users))
	for _, u := range users {
		ours[u.ID] = true
	}
	rows := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		row := auditRow{At: e.At, UserID: e.UserID, User: e.UserName, Action: tr("audit.action."+e.Action, e.Action),
			Entity: tr("audit.entity."+e.Entity, e.Entity), EntityID: e.EntityID, Section: e.Section, IP: e.IP}
		if e.UserID == 0 || row.User == "" {
			row.User = "—"
		}
		if !ours[e.UserID] {
			row.UserID = 0 // shown, but not offered as a filter
		}
		if e.EntityID != 0 {
			row.EntityLink = "?" + url.Values{"entity": {e.Entity}, "entity_id": {idString(e.EntityID)}}.Encode()
		}
		for _, c := range e.Changes {
			if c.Sensitive {
				row.Changes = append(row.Changes, c.Field+": "+l.T("audit.changed"))
				continue
			}
			row.Changes = append(row.Changes, c.Field+": "+dash(c.Old)+" → "+dash(c.New))
		}
		rows = append(rows, row)
	}

	userOpts := []option{{Value: "", Label: l.T("common.all")}}
	for _, u := range users {
		label := u.FullName + " (" + u.Login + ")"
		if u.Disabled {
			label += " — " + l.T("audit.user_disabled")
		}
		userOpts = append(userOpts, option{Value: idString(u.ID), Label: label})
	}
	actionOpts := []option{{Value: "", Label: l.T("common.all")}}
	for _, a := range opora.AuditActions {
		actionOpts = append(actionOpts, option{Value: a, Label: l.T("audit.action." + a)})
	}
	entityOpts := []option{{Value: "", Label: l.T("common.all")}}
	entities := auditEntities
	if f.Entity != "" && errs["entity"] == "" && !slices.Contains(entities, f.Entity) {
		entities = append(slices.Clone(entities), f.Entity)
	}
	for _, e := range entities {
		entityOpts = append(entityOpts, option{Value: e, Label: tr("audit.entity."+e, e)})
	}

	v := s.newView(r, "audit.title")
	v.Nav = "audit"
	v.Form = &form{Values: q, Errors: errs}
	if len(errs) > 0 {
		v.Form.Error = "audit.error.filter"
	}
	v.Data = map[string]any{"Rows": rows, "Total": total, "Pager": newPager(r, page, auditPerPage, total),
		"Users": userOpts, "Actions": actionOpts, "Entities": entityOpts, "Filtered": len(q) > 0}
	return s.render(w, r, status, "audit_list", v)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// auditAnchor shows the head of the audit log's hash chain, to print or
// keep outside the system (opora audit anchor prints the same).
func (s *Server) auditAnchor(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.AuditAnchor(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "audit.anchor.title")
	v.Nav = "audit"
	v.Data = map[string]any{"Anchor": a, "Line": a.String(), "Printed": s.store.Now()}
	return s.render(w, r, http.StatusOK, "audit_anchor", v)
}
