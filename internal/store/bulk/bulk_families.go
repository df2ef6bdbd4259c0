package bulk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/search"
)

// The generator's families (opora demo --families): staff, family cards
// with their members, curators, grants and cases, signals, assessments and
// draft plan tasks, written by the same bulk path as clients. A batch's
// members are its Clients; every family row refers to them, and to the
// batch's families, cases and signals, by local IDs.

// BulkFamily is a generated family card; Members are in the card's order
// (the store's familyMembers order), with ClientID local to the batch.
type BulkFamily struct {
	opora.Family
}

// BulkDraftTask is a generated draft plan task of a family case.
type BulkDraftTask struct {
	opora.DraftTask
	OrganisationID int64
	CreatedAt      opora.Date
}

// BulkFamilyTask is a generated task of a family's approved plan, in an
// agency's queue; CreatedBy is the worker who gave it (the curator).
type BulkFamilyTask struct {
	opora.Task
	CreatedBy int64
}

// BulkFamilyEvent is a line of a generated family's timeline.
type BulkFamilyEvent struct {
	opora.FamilyEvent
	OrganisationID int64
}

// familyOffsets are what BulkLoad adds to the local IDs of the family tables.
type familyOffsets struct {
	user, family, kase, signal int64
}

// reserveFamilies reserves the IDs of the batch's users, families, family
// cases (after the batch's client cases) and signals.
func (b *BulkBatch) reserveFamilies(ctx context.Context, q bulkQueryer, o *bulkOffsets,
	reserve func(context.Context, bulkQueryer, string, int) (int64, error)) (*familyOffsets, error) {
	var f familyOffsets
	var err error
	if f.user, err = reserve(ctx, q, "users", len(b.Users)); err != nil {
		return nil, err
	}
	if f.family, err = reserve(ctx, q, "families", len(b.Families)); err != nil {
		return nil, err
	}
	if f.signal, err = reserve(ctx, q, "signals", len(b.Signals)); err != nil {
		return nil, err
	}
	f.kase = o.kase + int64(len(b.Cases))
	return &f, nil
}

// familyTables turns the batch's family rows into table rows, moving local
// IDs onto reserved ones (clients by o.client).
func (b *BulkBatch) familyTables(o *bulkOffsets, f *familyOffsets) ([]bulkTable, error) {
	var ts []bulkTable
	t := bulkTable{name: "users", cols: []string{"id", "organisation_id", "login", "full_name", "position", "email", "locale",
		"password_hash", "created_at"}}
	ub := bulkTable{name: "user_branches", cols: []string{"user_id", "branch_id"}}
	ur := bulkTable{name: "user_roles", cols: []string{"user_id", "role_id"}}
	for _, u := range b.Users {
		u.ID += f.user
		t.rows = append(t.rows, []any{u.ID, u.OrganisationID, u.Login, u.FullName, u.Position, u.Email, u.Locale,
			b.PasswordHash, u.CreatedAt})
		for _, id := range u.BranchIDs {
			ub.rows = append(ub.rows, []any{u.ID, id})
		}
		for _, id := range u.RoleIDs {
			ur.rows = append(ur.rows, []any{u.ID, id})
		}
	}
	ts = append(ts, t, ub, ur)

	t = bulkTable{name: "families", cols: []string{"id", "organisation_id", "territory_id", "address", "housing", "income",
		"status_id", "status_since", "curator_id", "curator_org_id", "search_key", "version", "created_by", "created_at",
		"updated_by", "updated_at"}}
	m := bulkTable{name: "family_members", cols: []string{"family_id", "client_id", "role", "joined_on", "left_on",
		"leave_reason", "school_org_id", "school_name", "created_by", "created_at"}}
	for _, fam := range b.Families {
		fam.ID += f.family
		var names, schools []string
		for _, x := range fam.Members {
			x.FamilyID, x.ClientID = fam.ID, x.ClientID+o.client
			names = append(names, x.Client.FullName())
			if x.SchoolName != "" {
				schools = append(schools, x.SchoolName)
			}
			school := x.SchoolName
			if x.SchoolOrgID != 0 {
				school = ""
			}
			m.rows = append(m.rows, []any{fam.ID, x.ClientID, string(x.Role), x.JoinedOn, x.LeftOn, x.LeaveReason,
				nullID(x.SchoolOrgID), school, nullID(fam.CreatedBy), fam.CreatedAt})
		}
		// The school's name in the key is the one the card shows; the
		// member row keeps it empty when the school is an organisation.
		t.rows = append(t.rows, []any{fam.ID, fam.OrganisationID, nullID(fam.TerritoryID), fam.Address, fam.Housing,
			fam.Income, nullID(fam.StatusID), fam.StatusSince, nullID(fam.CuratorID), nullID(fam.CuratorOrgID),
			search.FamilyKey(names, fam.Address, schools), 1, nullID(fam.CreatedBy), fam.CreatedAt, nullID(fam.UpdatedBy),
			fam.UpdatedAt})
	}
	ts = append(ts, t, m)

	t = bulkTable{name: "family_curators", cols: []string{"family_id", "curator_id", "organisation_id", "assigned_by",
		"assigned_at", "from_on", "to_on"}}
	for _, c := range b.Curators {
		c.FamilyID += f.family
		t.rows = append(t.rows, []any{c.FamilyID, c.CuratorID, c.OrganisationID, nullID(c.AssignedBy), c.AssignedAt, c.FromOn,
			c.ToOn})
	}
	ts = append(ts, t)
	t = bulkTable{name: "subject_grants", cols: []string{"subject_type", "subject_id", "organisation_id", "reason",
		"granted_by", "granted_at"}}
	for _, g := range b.Grants {
		g.SubjectID += f.family
		t.rows = append(t.rows, []any{g.SubjectType, g.SubjectID, g.OrganisationID, g.Reason, nullID(g.GrantedBy), g.GrantedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "cases", cols: []string{"id", "organisation_id", "subject_type", "subject_id", "type_id",
		"curator_id", "opened_on", "status", "version", "created_by", "created_at", "updated_by", "updated_at"}}
	for _, k := range b.FamilyCases {
		k.ID, k.SubjectID = k.ID+f.kase, k.SubjectID+f.family
		t.rows = append(t.rows, []any{k.ID, k.OrganisationID, k.SubjectType, k.SubjectID, k.TypeID, k.CuratorID,
			k.OpenedOn, string(k.Status), 1, nullID(k.CreatedBy), k.CreatedAt, nullID(k.CreatedBy), k.UpdatedAt})
	}
	ts = append(ts, t)

	t = bulkTable{name: "signals", cols: []string{"id", "organisation_id", "territory_id", "reporter_kind", "reporter_org_id",
		"reporter_user_id", "reporter_name", "reporter_contact", "received_at", "channel", "description", "address", "surname",
		"urgency", "due_at", "status", "family_id", "routed_org_id", "close_reason", "duplicate_of", "forwarded_to",
		"triaged_by", "triaged_at", "search_key", "version", "created_by", "created_at"}}
	sc := bulkTable{name: "signal_children", cols: []string{"signal_id", "name", "birth_date"}}
	for _, sg := range b.Signals {
		sg.ID, sg.FamilyID, sg.DuplicateOf = sg.ID+f.signal, add(sg.FamilyID, f.family), add(sg.DuplicateOf, f.signal)
		var children []string
		for _, c := range sg.Children {
			c.SignalID = sg.ID
			children = append(children, c.Name)
			sc.rows = append(sc.rows, []any{sg.ID, c.Name, c.BirthDate})
		}
		var triaged any
		if !sg.TriagedAt.IsZero() {
			triaged = sg.TriagedAt
		}
		t.rows = append(t.rows, []any{sg.ID, sg.OrganisationID, sg.TerritoryID, sg.ReporterKind, nullID(sg.ReporterOrgID),
			nullID(sg.ReporterUserID), sg.ReporterName, sg.ReporterContact, sg.ReceivedAt, sg.Channel, sg.Description,
			sg.Address, sg.Surname, sg.Urgency, sg.DueAt, sg.Status, nullID(sg.FamilyID), nullID(sg.RoutedOrgID),
			sg.CloseReason, nullID(sg.DuplicateOf), sg.ForwardedTo, nullID(sg.TriagedBy), triaged,
			search.SignalKey(sg.Surname, sg.Address, children), sg.Version, nullID(sg.CreatedBy), sg.CreatedAt})
	}
	ts = append(ts, t, sc)

	t = bulkTable{name: "family_assessments", cols: []string{"organisation_id", "family_id", "form_id", "snapshot_id",
		"status", "assessed_on", "assessor_id", "answers", "domain_scores", "total_score", "level_label", "version",
		"created_by", "created_at", "updated_by", "updated_at"}}
	for _, x := range b.Assessments {
		x.FamilyID += f.family
		answers, err := json.Marshal(x.Answers)
		if err != nil {
			return nil, fmt.Errorf("store: bulk assessment: %w", err)
		}
		scores := x.Scores
		if scores == nil {
			scores = map[int64]int{}
		}
		sj, err := json.Marshal(scores)
		if err != nil {
			return nil, fmt.Errorf("store: bulk assessment: %w", err)
		}
		var total any
		if x.Completed() {
			total = x.Total
		}
		t.rows = append(t.rows, []any{x.OrganisationID, x.FamilyID, x.FormID, nullID(x.SnapshotID), x.Status, x.AssessedOn,
			nullID(x.AssessorID), string(answers), string(sj), total, x.Level, 1, nullID(x.AssessorID), x.UpdatedAt,
			nullID(x.AssessorID), x.UpdatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "draft_plan_tasks", cols: []string{"organisation_id", "case_id", "family_id", "type_id", "what",
		"reason", "indicator_field_id", "indicator_label", "proposed_agency_type", "due_on", "position", "created_at",
		"updated_at"}}
	for _, d := range b.DraftTasks {
		d.CaseID, d.FamilyID = d.CaseID+f.kase, d.FamilyID+f.family
		at := d.CreatedAt.Time()
		t.rows = append(t.rows, []any{d.OrganisationID, d.CaseID, d.FamilyID, d.TypeID, d.What, d.Reason,
			nullID(d.IndicatorFieldID), d.IndicatorLabel, string(d.ProposedAgencyType), d.DueOn, d.Position, at, at})
	}
	ts = append(ts, t)
	// The family tasks take the task IDs after the batch's client tasks.
	t = bulkTable{name: "case_tasks", cols: []string{"id", "organisation_id", "case_id", "family_id", "type_id", "description",
		"responsible_org_id", "assignee_id", "start_on", "due_on", "done_on", "status", "report", "return_reason",
		"return_comment", "proposed_due_on", "position", "version", "created_by", "created_at", "updated_by", "updated_at",
		"status_changed_at"}}
	for i, k := range b.FamilyTasks {
		k.ID, k.CaseID, k.FamilyID = o.task+int64(len(b.Tasks)+i+1), k.CaseID+f.kase, k.FamilyID+f.family
		var proposed any
		if !k.ProposedDueOn.IsZero() {
			proposed = k.ProposedDueOn
		}
		t.rows = append(t.rows, []any{k.ID, k.OrganisationID, k.CaseID, k.FamilyID, k.TypeID, k.Description,
			nullID(k.ResponsibleOrg), nullID(k.AssigneeID), k.StartOn, k.DueOn, k.DoneOn, string(k.Status), k.Report,
			k.ReturnReason, k.ReturnComment, proposed, k.Position, 1, nullID(k.CreatedBy), k.CreatedAt,
			nullID(k.CreatedBy), k.UpdatedAt, k.StatusChangedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "family_events", cols: []string{"family_id", "organisation_id", "at", "user_id", "kind", "summary",
		"changes", "status_key"}}
	for _, e := range b.FamilyEvents {
		e.FamilyID += f.family
		ch := ""
		if len(e.Changes) > 0 {
			j, err := json.Marshal(e.Changes)
			if err != nil {
				return nil, fmt.Errorf("store: bulk family event: %w", err)
			}
			ch = string(j)
		}
		t.rows = append(t.rows, []any{e.FamilyID, e.OrganisationID, e.At, nullID(e.UserID), e.Kind, e.Summary, ch, e.StatusKey})
	}
	ts = append(ts, t)
	t = bulkTable{name: "life_events", cols: []string{"organisation_id", "client_id", "family_id", "kind", "occurred_on",
		"note", "created_by", "created_at"}}
	for _, e := range b.LifeEvents {
		e.ClientID, e.FamilyID = e.ClientID+o.client, add(e.FamilyID, f.family)
		t.rows = append(t.rows, []any{e.OrganisationID, e.ClientID, nullID(e.FamilyID), e.Kind, e.OccurredOn, e.Note,
			nullID(e.CreatedBy), e.CreatedAt})
	}
	ts = append(ts, t)
	return ts, nil
}
