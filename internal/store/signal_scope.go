package store

import (
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// Access to signals is decided in sqldb/scope.go (SignalInbox,
// SignalReported, SignalScope); limitSignal shapes what a reporter reads.

func signalInbox(a *opora.Actor, args []any) (string, []any, error) {
	return sqldb.SignalInbox(a, args)
}

func signalReported(a *opora.Actor, args []any) (string, []any, error) {
	return sqldb.SignalReported(a, args)
}

func signalScope(a *opora.Actor, args []any) (string, []any, error) {
	return sqldb.SignalScope(a, args)
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
