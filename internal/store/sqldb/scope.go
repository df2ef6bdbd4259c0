// Package sqldb is the small base every part of the store stands on: the
// database handle (one writer, a pool of readers, the dialect and the clock:
// DB), transactions (DB.Tx, RunTx), the helpers every query uses (Queryer,
// InsertID, NotFound, InList, NullID, TimeOf, DateOf, NullDate), the SQL
// differences between SQLite and PostgreSQL (dialect.go), the client row
// (ClientColumns, ScanClient), statement tracing for the benchmark
// (trace.go) and, in this file, access.
//
// # Access is decided here, and only here
//
// Every query about a person — a client, their services, tasks, check-in
// visits, the reports counted over them, the services register, search —
// takes its WHERE condition from the functions of this file: ClientScope,
// TaskAccess, CheckinScope, VisitScope, RegisterScope, FamilyScope,
// SignalScope, and OrgWide for the report paths that answer only
// organisation-wide questions. Each reads the
// actor (opora.Actor: organisation, branches, user, and the scope of each
// permission) and returns SQL with $n parameters appended to args, or
// opora.ErrForbidden. No other code compares an actor's organisation,
// branches or user with a row's: a new list or report of personal data
// calls one of these, or adds one here.
//
// # Families and grants
//
// A family card (Flow B) is held by one organisation (usually the КДН that
// registered it); other organisations of the network reach it through an
// open grant of that one subject (subject_grants: the КЦСОН it was sent to,
// later an agency with a task). FamilyScope decides it: the organisation
// holds the card or has an open grant, narrowed by the permission's scope
// (own = the family's curator or the worker who created the card; branch
// and organisation = every family the organisation reaches, a family has
// no branch).
//
// The members' client records follow the grant: for the record permissions
// client.read and client.write — never report.run, so an organisation's
// reports and its services register count only its own clients —
// ClientScope also reaches the clients who are members of a family granted
// to the actor's organisation (with family.read, family.write for
// client.write, in the same own/organisation scope), except through a task
// grant: an agency with a task reads only the card's sections its type is
// opened (store/family_access.go). The clause is added
// only when the organisation holds any grant (Actor.FamilyGrants, filled
// when the actor is built), so the queries of an organisation outside a
// network are unchanged.
//
// Package store and the packages beside it (reports, search, bulk) import
// this one; it imports none of them.
package sqldb

import (
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// ClientScope returns the SQL condition (on alias c) that limits clients to
// those the actor reaches with permission p: the organisation always, then
// own (responsible or creator), branch (the actor's branches) or
// organisation; for client.read and client.write also the members of the
// families granted to the actor's organisation (orFamilyMembers).
func ClientScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	cond, args, err := ownClientScope(a, p, args)
	if err != nil {
		return "", nil, err
	}
	if cond, args, err = orFamilyMembers(a, p, cond, args); err != nil || p == opora.PermReportRun {
		return cond, args, err
	}
	// A client whose data were erased by the retention workflow
	// (store/retention.go) is only counted by the reports.
	return "c.destroyed_at IS NULL AND (" + cond + ")", args, nil
}

// ownClientScope is ClientScope without grants: the organisation's own
// clients only.
func ownClientScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(p)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	cond := fmt.Sprintf("c.organisation_id = $%d", len(args))
	switch scope {
	case opora.ScopeOwn:
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND (c.responsible_id = $%d OR c.created_by = $%d)", len(args), len(args))
	case opora.ScopeBranch:
		if len(a.BranchIDs) == 0 {
			return "1 = 0", args, nil
		}
		var in string
		in, args = InList(args, a.BranchIDs)
		cond += " AND c.branch_id IN (" + in + ")"
	}
	return cond, args, nil
}

// TaskAccess returns the SQL condition (on aliases t, c and f: case_tasks,
// its client and its family, both LEFT JOINed) for the tasks the actor
// reaches with p (client.read or client.write), and the expression telling
// whether the task's subject itself is in scope. A client's task is reached
// through the client (ClientScope); a family's task (issue 21: client_id
// NULL, family_id set) through the family with the matching family
// permission (FamilyScope); any task by its responsible worker, its
// responsible organisation's workers and its assignee.
func TaskAccess(a *opora.Actor, p opora.Permission, args []any) (cond, inScope string, _ []any, _ error) {
	if err := a.Require(p); err != nil {
		return "", "", nil, err
	}
	scope, args, err := ClientScope(a, p, args)
	if err != nil {
		return "", "", nil, err
	}
	subject := "(t.client_id IS NOT NULL AND " + scope + ")"
	if fp := familyPermFor(p); fp != "" && a.Can(fp) {
		var fcond string
		if fcond, args, err = FamilyScope(a, fp, args); err != nil {
			return "", "", nil, err
		}
		subject = "(" + subject + " OR (t.family_id IS NOT NULL AND " + fcond + "))"
	}
	args = append(args, a.UserID, a.OrganisationID)
	resp := fmt.Sprintf("(t.responsible_id = $%d OR t.assignee_id = $%d OR t.responsible_org_id = $%d)", len(args)-1, len(args)-1, len(args))
	return "c.deleted_at IS NULL AND c.merged_into IS NULL AND (" + subject + " OR " + resp + ")",
		"CASE WHEN " + subject + " THEN 1 ELSE 0 END", args, nil
}

// FamilyTaskAccess is the condition (on aliases t and f) for the tasks of
// families' plans the actor reaches with p (family.read or family.write):
// through the family (FamilyScope), or as the task's responsible worker,
// assignee or responsible organisation — an agency's specialist works on
// the tasks in the agency's queue without reaching the rest of the family.
// inFamily tells whether the family itself is in scope.
func FamilyTaskAccess(a *opora.Actor, p opora.Permission, args []any) (cond, inFamily string, _ []any, _ error) {
	if err := a.Require(p); err != nil {
		return "", "", nil, err
	}
	fcond, args, err := FamilyScope(a, p, args)
	if err != nil {
		return "", "", nil, err
	}
	args = append(args, a.UserID, a.OrganisationID)
	resp := fmt.Sprintf("(t.responsible_id = $%d OR t.assignee_id = $%d OR t.responsible_org_id = $%d)", len(args)-1, len(args)-1, len(args))
	return "t.family_id IS NOT NULL AND ((" + fcond + ") OR " + resp + ")", "CASE WHEN " + fcond + " THEN 1 ELSE 0 END", args, nil
}

// CanManageCheckin reports whether the actor manages check-in points (and
// so reaches all of the organisation's points, shifts and visits).
func CanManageCheckin(a *opora.Actor) bool {
	return a.Can(opora.PermAdminOrg) || a.Can(opora.PermDictionaryManage)
}

// CheckinScope returns the SQL condition (on the given alias, a table with
// organisation_id and branch_id) for the points, shifts and visits the actor
// reaches: managers of points see the whole organisation; a duty worker
// with checkin.use sees the organisation or their branches by the scope of
// that permission.
func CheckinScope(a *opora.Actor, alias string, args []any) (string, []any, error) {
	if a == nil {
		return "", nil, opora.ErrForbidden
	}
	scope, ok := a.ScopeOf(opora.PermCheckin)
	if CanManageCheckin(a) {
		scope, ok = opora.ScopeOrganisation, true
	}
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	cond := fmt.Sprintf("%s.organisation_id = $%d", alias, len(args))
	if scope != opora.ScopeOrganisation {
		if len(a.BranchIDs) == 0 {
			return "1 = 0", args, nil
		}
		var in string
		in, args = InList(args, a.BranchIDs)
		cond += " AND " + alias + ".branch_id IN (" + in + ")"
	}
	return cond, args, nil
}

// VisitScope limits check-in visits to the actor's organisation and, with
// branch scope, to their branches; with own scope, to visits they ticked.
func VisitScope(a *opora.Actor, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(opora.PermReportRun)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	cond := fmt.Sprintf("v.organisation_id = $%d", len(args))
	switch scope {
	case opora.ScopeOwn:
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND v.created_by = $%d", len(args))
	case opora.ScopeBranch:
		if len(a.BranchIDs) == 0 {
			return "1 = 0", args, nil
		}
		var in string
		in, args = InList(args, a.BranchIDs)
		cond += " AND v.branch_id IN (" + in + ")"
	}
	return cond, args, nil
}

// RegisterScope is the condition (on alias c) limiting the services
// register to the clients the actor reaches: it needs report.run and
// client.read, and uses the narrower of their scopes.
func RegisterScope(a *opora.Actor, args []any) (string, []any, error) {
	if err := a.Require(opora.PermReportRun); err != nil {
		return "", nil, err
	}
	if err := a.Require(opora.PermClientRead); err != nil {
		return "", nil, err
	}
	p := opora.PermClientRead
	run, _ := a.ScopeOf(opora.PermReportRun)
	read, _ := a.ScopeOf(opora.PermClientRead)
	if run != read && read.Wider(run) == read {
		p = opora.PermReportRun
	}
	return ownClientScope(a, p, args)
}

// OrgWide reports whether the actor's scope of p is the whole organisation.
// The report paths over derived tables (counts kept per organisation, not
// per person) may answer only such actors; anyone narrower takes the plain
// SQL with its scope condition.
func OrgWide(a *opora.Actor, p opora.Permission) bool {
	sc, _ := a.ScopeOf(p)
	return sc == opora.ScopeOrganisation
}

// FamilyScope returns the SQL condition (on alias f, families) limiting
// families to those the actor reaches with permission p: held by the
// actor's organisation or granted to it, then narrowed by p's scope.
func FamilyScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(p)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	n := len(args)
	// Held or granted, as one set of ids both databases build from their
	// indexes (families_org, subject_grants_org): with "held OR EXISTS
	// (grant)" they read every family of the region and tested each
	// (issue 20: 50,000 families, a search 160–210 ms on SQLite).
	cond := fmt.Sprintf(`f.id IN (SELECT h.id FROM families h WHERE h.organisation_id = $%d UNION
		SELECT g.subject_id FROM subject_grants g WHERE g.subject_type = 'family' AND g.organisation_id = $%d
		AND g.revoked_at IS NULL)`, n, n)
	if scope == opora.ScopeOwn {
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND (f.curator_id = $%d OR f.created_by = $%d)", len(args), len(args))
	}
	return cond, args, nil
}

// familyPermFor is the family permission that carries a client permission
// to the members of granted families; "" for any other permission.
func familyPermFor(p opora.Permission) opora.Permission {
	switch p {
	case opora.PermClientRead:
		return opora.PermFamilyRead
	case opora.PermClientWrite:
		return opora.PermFamilyWrite
	}
	return ""
}

// orFamilyMembers widens a client condition (on alias c) with the members
// of the families granted to the actor's organisation, for client.read and
// client.write only. A grant through a task (opora.GrantTask) does not
// reach the members' client records: such an agency reads only the card's
// sections open to its type (need-to-know, store/family_access.go).
func orFamilyMembers(a *opora.Actor, p opora.Permission, cond string, args []any) (string, []any, error) {
	fp := familyPermFor(p)
	if !a.FamilyGrants || fp == "" || !a.Can(fp) {
		return cond, args, nil
	}
	fcond, args, err := FamilyScope(a, fp, args)
	if err != nil {
		return "", nil, err
	}
	n := len(args)
	if scope, _ := a.ScopeOf(fp); scope == opora.ScopeOwn {
		n-- // the organisation comes before the user
	}
	return fmt.Sprintf(`((%s) OR c.id IN (SELECT m.client_id FROM family_members m JOIN families f ON f.id = m.family_id
		JOIN subject_grants g ON g.subject_type = 'family' AND g.subject_id = f.id AND g.organisation_id = $%d
		AND g.revoked_at IS NULL AND g.reason <> '`+opora.GrantTask+`' WHERE %s))`, cond, n, fcond), args, nil
}

// Signals (Flow B).
//
// A signal is reachable in two ways:
//   - the inbox: the КДН the signal was routed to (signals.organisation_id)
//     reads it whole and triages it, with signal.triage. The inbox is the
//     organisation's, whatever the role's scope.
//   - the reporter: the organisation that reported it (reporter_org_id)
//     reads what it reported and what became of it, with signal.register;
//     with the "own" scope only the signals the actor registered (or was
//     named the reporter of). Such a read is Limited: the store blanks the
//     family, the organisation it was routed to, the duplicate's number and
//     who triaged it, so no page can show them.
//
// Anything else is opora.ErrNotFound, and Signal audit-logs the attempt.

// SignalInbox returns the SQL condition (on alias sg) limiting signals to
// the actor's organisation's inbox; ErrForbidden without signal.triage.
func SignalInbox(a *opora.Actor, args []any) (string, []any, error) {
	if !a.Can(opora.PermSignalTriage) {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	return fmt.Sprintf("sg.organisation_id = $%d", len(args)), args, nil
}

// SignalReported returns the SQL condition (on alias sg) limiting signals
// to those the actor's organisation reported (own scope: the actor).
func SignalReported(a *opora.Actor, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(opora.PermSignalRegister)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	cond := fmt.Sprintf("sg.reporter_org_id = $%d", len(args))
	if scope == opora.ScopeOwn {
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND (sg.created_by = $%d OR sg.reporter_user_id = $%d)", len(args), len(args))
	}
	return cond, args, nil
}

// SignalScope returns the SQL condition (on alias sg) of every signal the
// actor reaches: its inbox or its reports.
func SignalScope(a *opora.Actor, args []any) (string, []any, error) {
	var ors []string
	if cond, next, err := SignalInbox(a, args); err == nil {
		ors, args = append(ors, cond), next
	}
	if cond, next, err := SignalReported(a, args); err == nil {
		ors, args = append(ors, cond), next
	}
	switch len(ors) {
	case 0:
		return "", nil, opora.ErrForbidden
	case 1:
		return ors[0], args, nil
	}
	return "((" + ors[0] + ") OR (" + ors[1] + "))", args, nil
}

// Monitoring (issue 21 item 8).
//
// The monitoring counts families, never shows one. Its scope comes from the
// actor's organisation (opora.MonitorScopeOf): the region (aggregated), the
// КДН's municipality, or the agency itself.

// MonitorFamilies returns the SQL condition (on alias f, families) of the
// families a monitoring of scope sc with filter flt counts: live cards (not
// joined into another) of the region or municipality, or, for an agency,
// the families it has a task of, curates or holds; narrowed by the filter's
// municipality and agency. The caller has checked report.run and that the
// filter lies within the scope.
func MonitorFamilies(sc opora.MonitorScope, flt opora.MonitorFilter, args []any) (string, []any) {
	conds := []string{"f.merged_into IS NULL"}
	switch sc.Level {
	case opora.MonitorRegion:
		if sc.TerritoryID != 0 {
			args = append(args, sc.TerritoryID)
			conds = append(conds, fmt.Sprintf("f.territory_id IN (SELECT tr.id FROM territories tr WHERE tr.id = $%d OR tr.parent_id = $%d)",
				len(args), len(args)))
		}
	case opora.MonitorMunicipality:
		args = append(args, sc.TerritoryID)
		conds = append(conds, fmt.Sprintf("f.territory_id = $%d", len(args)))
	default:
		args = append(args, sc.OrganisationID)
		conds = append(conds, monitorAgencyFamilies(len(args)))
	}
	if flt.TerritoryID != 0 {
		args = append(args, flt.TerritoryID)
		conds = append(conds, fmt.Sprintf("f.territory_id = $%d", len(args)))
	}
	if flt.AgencyID != 0 && flt.AgencyID != sc.OrganisationID {
		args = append(args, flt.AgencyID)
		conds = append(conds, monitorAgencyFamilies(len(args)))
	}
	return strings.Join(conds, " AND "), args
}

// monitorAgencyFamilies: the families an agency (argument n) has a task
// of, curates or holds, as one set of ids from the indexes.
func monitorAgencyFamilies(n int) string {
	return fmt.Sprintf(`f.id IN (SELECT mt.family_id FROM case_tasks mt WHERE mt.responsible_org_id = $%d AND mt.family_id IS NOT NULL
		UNION SELECT mh.id FROM families mh WHERE mh.organisation_id = $%d
		UNION SELECT mc.id FROM families mc WHERE mc.curator_org_id = $%d)`, n, n, n)
}

// CouncilScope is the condition (on alias co, councils) for the councils
// the actor runs: council.manage, and the council held by the actor's
// organisation (the municipality's КДН). Another organisation's council
// answers not found; the families on its agenda still go through
// FamilyScope.
func CouncilScope(a *opora.Actor, args []any) (string, []any, error) {
	if err := a.Require(opora.PermCouncilManage); err != nil {
		return "", nil, err
	}
	args = append(args, a.OrganisationID)
	return fmt.Sprintf("co.organisation_id = $%d", len(args)), args, nil
}

// TaskInsider is the condition (on aliases t and f: case_tasks and its
// family, LEFT JOINed) for the tasks whose internal part — the report, the
// return comment and the comments — the actor may read: every client's
// task (its comments follow TaskAccess), and of a family's task only the
// task's agency (responsible organisation), its assignee or responsible
// worker, the case's organisation, the family's holder (the КДН) and its
// curator. Other agencies working on the same family see the task's who,
// what, due and status, never its internal notes (issue 21).
func TaskInsider(a *opora.Actor, args []any) (string, []any) {
	args = append(args, a.UserID, a.OrganisationID)
	u, o := len(args)-1, len(args)
	return fmt.Sprintf(`(t.family_id IS NULL OR t.responsible_org_id = $%[2]d OR t.organisation_id = $%[2]d
		OR f.organisation_id = $%[2]d OR t.assignee_id = $%[1]d OR t.responsible_id = $%[1]d OR f.curator_id = $%[1]d)`, u, o), args
}

// ScreenFamilyScope returns the SQL condition (on alias f, families) of the
// families the actor may find on the early screening list (issue 23): as
// FamilyScope with family.read — the card held by the actor's organisation
// or granted to it, narrowed by the permission's scope — except a grant
// through a task (an agency with a task reads only some sections of a
// card; the list's reasons name signals, assessments and members' events).
func ScreenFamilyScope(a *opora.Actor, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(opora.PermFamilyRead)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	n := len(args)
	cond := fmt.Sprintf(`f.id IN (SELECT h.id FROM families h WHERE h.organisation_id = $%d UNION
		SELECT g.subject_id FROM subject_grants g WHERE g.subject_type = 'family' AND g.organisation_id = $%d
		AND g.revoked_at IS NULL AND g.reason <> '`+opora.GrantTask+`')`, n, n)
	if scope == opora.ScopeOwn {
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND (f.curator_id = $%d OR f.created_by = $%d)", len(args), len(args))
	}
	return cond, args, nil
}
