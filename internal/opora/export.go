package opora

import "strings"

// The export permissions (issue 22 item 7): a file of counts and sums, and
// a file that names people. Each export kind needs one of them, except the
// resource map's (resources.manage: it holds neither counts of people nor
// people).
const (
	PermExportAggregate    Permission = "export.aggregate"
	PermExportIdentifiable Permission = "export.identifiable"
)

// ExportKind is one kind of file the server lets people download: its key
// (the audit row's section begins with it), the permission it needs and
// whether it names people. An identifiable export asks for its purpose
// first, and the purpose is kept in the audit row.
type ExportKind struct {
	Key          string
	Perm         Permission
	Identifiable bool
}

// The export kinds. Every download route is registered as one of them
// (web/export.go); a test fails for a route that writes a file without.
var (
	ExportReport       = ExportKind{Key: "report", Perm: PermExportAggregate}     // report builder, standard reports
	ExportDashboard    = ExportKind{Key: "dashboard", Perm: PermExportAggregate}  // the dashboard's numbers
	ExportMonitoring   = ExportKind{Key: "monitoring", Perm: PermExportAggregate} // the families' monitoring (counts, "<5")
	ExportRegister     = ExportKind{Key: "services_register", Perm: PermExportIdentifiable, Identifiable: true}
	ExportCheckinShift = ExportKind{Key: "checkin_shift", Perm: PermExportIdentifiable, Identifiable: true}
	// The resource map as HSDS JSON (issue 24 item 5): providers and
	// services, no person; for whoever keeps the map.
	ExportResourcesHSDS = ExportKind{Key: "resources_hsds", Perm: PermResourcesManage}
	// The whole organisation's data (issue 24 item 6, moving out): every
	// client's personal data and files; for the organisation's
	// administrator, who states the purpose.
	ExportOrganisation = ExportKind{Key: "organisation", Perm: PermAdminOrg, Identifiable: true}
)

// ExportKinds lists every export kind.
var ExportKinds = []ExportKind{ExportReport, ExportDashboard, ExportMonitoring, ExportRegister, ExportCheckinShift,
	ExportResourcesHSDS, ExportOrganisation}

// MaxExportReason is the most characters an export's stated purpose holds.
const MaxExportReason = 500

// ValidateExportReason checks the purpose stated for an identifiable
// export: required, at most MaxExportReason characters.
func ValidateExportReason(reason string) error {
	var v Validation
	switch n := len([]rune(strings.TrimSpace(reason))); {
	case n == 0:
		v.Add("reason", "error.required")
	case n > MaxExportReason:
		v.Add("reason", "error.too_long")
	}
	return v.Err()
}
