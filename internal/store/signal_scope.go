package store

import (
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// Access to signals, decided here (next to familyScope).
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

// signalInbox returns the SQL condition (on alias sg) limiting signals to
// the actor's organisation's inbox; ErrForbidden without signal.triage.
func signalInbox(a *opora.Actor, args []any) (string, []any, error) {
	if !a.Can(opora.PermSignalTriage) {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	return fmt.Sprintf("sg.organisation_id = $%d", len(args)), args, nil
}

// signalReported returns the SQL condition (on alias sg) limiting signals
// to those the actor's organisation reported (own scope: the actor).
func signalReported(a *opora.Actor, args []any) (string, []any, error) {
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

// signalScope returns the SQL condition (on alias sg) of every signal the
// actor reaches: its inbox or its reports.
func signalScope(a *opora.Actor, args []any) (string, []any, error) {
	var ors []string
	if cond, next, err := signalInbox(a, args); err == nil {
		ors, args = append(ors, cond), next
	}
	if cond, next, err := signalReported(a, args); err == nil {
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

// limitSignal marks a signal read by its reporter's organisation and
// blanks what the reporter may not learn. The inbox reads it whole.
func limitSignal(a *opora.Actor, sg *opora.Signal) {
	sg.Routed = sg.RoutedOrgID != 0
	if a.Can(opora.PermSignalTriage) && sg.OrganisationID == a.OrganisationID {
		return
	}
	sg.Limited = true
	sg.FamilyID, sg.RoutedOrgID, sg.RoutedOrgName, sg.DuplicateOf = 0, 0, "", 0
	sg.TriagedBy, sg.TriagedByName = 0, ""
}
