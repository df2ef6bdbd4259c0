package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Need-to-know access to a family card (issue 21, item 6; opora/family_access.go).
//
// FamilyScope (sqldb/scope.go) decides whether an organisation reaches a
// family at all; familyAccess decides how much of it. The holder of the
// card and the curator's organisation read it whole without a query. Any
// other organisation: one query for its agency type's sections and the
// setting (taskAccessRules), one for its grant and its latest task on the
// family (familyAccessFacts); both are remembered for the request by the
// read memo, so a card page pays them once. A grant with reason "task"
// gives access only while one of the agency's tasks on the family is open
// or closed less than task_access_days ago; ExpireTaskGrants then revokes
// it, so lists and search forget the family too.
//
// The data of a section the actor may not read never leaves the store:
// Family and familyList blank its fields (hideSections), and the readers
// of a section (signals, assessments, plan, tasks, visits, timeline) call
// loadFamilySection, which answers opora.ErrNotFound for a closed section.
// Only an organisation with full access writes the card (loadFamily with
// family.write or family.assign answers opora.ErrForbidden otherwise).

// openTaskStatuses is the SQL list of the statuses of an open task
// (opora.TaskStatus.Open); any other status closed the task at
// status_changed_at (done, cancelled, failed, and returned: the agency gave
// it back).
const openTaskStatuses = `('planned', 'accepted', 'in_progress')`

// orgSectionRules is what family_section_rules and family_access_settings
// say for one organisation's agency type.
type orgSectionRules struct {
	orgType  opora.OrgType
	days     int
	sections []opora.FamilySection
}

// taskAccessRules reads the rules for an organisation (remembered for the
// request).
func (s *Store) taskAccessRules(ctx context.Context, q queryer, orgID int64) (*orgSectionRules, error) {
	m := memoFrom(ctx)
	if m != nil && q == s.r {
		if r := m.orgRules(orgID); r != nil {
			return r, nil
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT o.type, st.task_access_days, COALESCE(r.section, '') FROM organisations o
		JOIN family_access_settings st ON st.id = 1 LEFT JOIN family_section_rules r ON r.org_type = o.type
		WHERE o.id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: family sections: %w", err)
	}
	defer rows.Close()
	r := &orgSectionRules{days: opora.DefaultTaskAccessDays}
	for rows.Next() {
		var sec string
		if err := rows.Scan(&r.orgType, &r.days, &sec); err != nil {
			return nil, fmt.Errorf("store: family sections: %w", err)
		}
		if sec != "" {
			r.sections = append(r.sections, opora.FamilySection(sec))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: family sections: %w", err)
	}
	if m != nil && q == s.r {
		m.keepOrgRules(orgID, r)
	}
	return r, nil
}

// familyAccess returns what the actor's organisation reads of family f (a
// row loadFamily read: the scope is not checked again). ErrNotFound when
// nothing gives access any more: a task grant whose tasks all closed more
// than task_access_days ago, and no council membership.
func (s *Store) familyAccess(ctx context.Context, q queryer, f *opora.Family) (*opora.FamilyAccess, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrNotFound
	}
	acc := &opora.FamilyAccess{FamilyID: f.ID, Full: true}
	m := memoFrom(ctx)
	switch a.OrganisationID {
	case f.OrganisationID, f.CuratorOrgID:
		acc.Reason = opora.AccessCurator
		if a.OrganisationID == f.OrganisationID {
			acc.Reason = opora.AccessHolder
		}
		if m != nil && q == s.r {
			m.keepFamilyAccess(acc)
		}
		return acc, nil
	}
	if m != nil && q == s.r {
		if got := m.familyAccess(f.ID); got != nil {
			return got, nil
		}
	}
	rules, err := s.taskAccessRules(ctx, q, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	acc.OrgType, acc.Full = rules.orgType, false
	var reason string
	cutoff := s.Now().AddDate(0, 0, -rules.days)
	if err := q.QueryRowContext(ctx, `SELECT COALESCE((SELECT g.reason FROM subject_grants g WHERE g.subject_type = 'family'
		AND g.subject_id = $1 AND g.organisation_id = $2 AND g.revoked_at IS NULL), ''),
		COALESCE((SELECT MAX(t.id) FROM case_tasks t WHERE t.responsible_org_id = $2 AND t.family_id = $1
		AND (t.status IN `+openTaskStatuses+` OR t.status_changed_at >= $3)), 0)`,
		f.ID, a.OrganisationID, cutoff).Scan(&reason, &acc.TaskID); err != nil {
		return nil, fmt.Errorf("store: family access: %w", err)
	}
	switch {
	case opora.FullAccess(reason):
		acc.Full, acc.Reason, acc.TaskID = true, reason, 0
	case reason == opora.GrantTask && acc.TaskID != 0:
		acc.Reason, acc.Sections = opora.GrantTask, slices.Clone(rules.sections)
	default:
		member, err := councilMemberOf(ctx, q, a.OrganisationID, f.ID)
		if err != nil {
			return nil, err
		}
		if !member {
			return nil, opora.ErrNotFound
		}
		acc.Reason, acc.Sections, acc.TaskID = opora.AccessCouncil, slices.Clone(rules.sections), 0
	}
	if !acc.Full {
		if err := s.applySharingBases(ctx, q, f, acc); err != nil {
			return nil, err
		}
	}
	if m != nil && q == s.r {
		m.keepFamilyAccess(acc)
	}
	return acc, nil
}

// FamilyAccess returns what the actor may read of a family: the whole card
// or the sections open to the agency type, and why. Needs family.read on
// the family.
func (s *Store) FamilyAccess(ctx context.Context, familyID int64) (*opora.FamilyAccess, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if m := memoFrom(ctx); m != nil { // the card's read (Family) found it in this request
		if acc := m.familyAccess(familyID); acc != nil {
			return acc, nil
		}
	}
	_, acc, err := s.loadFamilyAccess(ctx, s.r, opora.PermFamilyRead, familyID)
	return acc, err
}

// loadFamilySection reads a family for a reader of one section: the
// family's scope, then the section (ErrNotFound when it is closed to the
// actor, and the attempt is audit-logged as denied).
func (s *Store) loadFamilySection(ctx context.Context, q queryer, familyID int64, sec opora.FamilySection) (*opora.Family, *opora.FamilyAccess, error) {
	f, acc, err := s.loadFamilyAccess(ctx, q, opora.PermFamilyRead, familyID)
	if err != nil {
		return nil, nil, err
	}
	if !acc.Can(sec) {
		if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "family", EntityID: familyID,
			Section: string(sec)}); err != nil {
			return nil, nil, err
		}
		return nil, nil, opora.ErrNotFound
	}
	return f, acc, nil
}

// hideSections blanks what a family row holds of the sections acc closes.
func hideSections(f *opora.Family, acc *opora.FamilyAccess) {
	if acc.Full {
		return
	}
	if !acc.Can(opora.SectionAddress) {
		f.Address, f.Housing = "", ""
	}
	if !acc.Can(opora.SectionIncome) {
		f.Income = ""
	}
	if !acc.Can(opora.SectionOffences) {
		f.Offences = ""
	}
	if !acc.Can(opora.SectionHealth) {
		f.Health = ""
	}
	if !acc.Can(opora.SectionMembers) {
		f.Members, f.Name = nil, ""
	}
}

// hideListSections blanks the closed sections of the families of a list
// the actor reached through a task grant: one query for the grants' reasons
// and one for the rules, only when the organisation holds grants at all.
func (s *Store) hideListSections(ctx context.Context, fams []*opora.Family) error {
	a := opora.ActorFrom(ctx)
	if a == nil || !a.FamilyGrants {
		return nil
	}
	var ids []int64
	for _, f := range fams {
		if f.OrganisationID != a.OrganisationID && f.CuratorOrgID != a.OrganisationID {
			ids = append(ids, f.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := inList([]any{a.OrganisationID}, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT subject_id, reason FROM subject_grants WHERE organisation_id = $1
		AND subject_type = 'family' AND revoked_at IS NULL AND subject_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: family list access: %w", err)
	}
	full := map[int64]bool{}
	for rows.Next() {
		var id int64
		var reason string
		if err := rows.Scan(&id, &reason); err != nil {
			rows.Close()
			return fmt.Errorf("store: family list access: %w", err)
		}
		full[id] = opora.FullAccess(reason)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: family list access: %w", err)
	}
	var rules *orgSectionRules
	cache := &basisCache{}
	for _, f := range fams {
		if f.OrganisationID == a.OrganisationID || f.CuratorOrgID == a.OrganisationID || full[f.ID] {
			continue
		}
		if rules == nil {
			if rules, err = s.taskAccessRules(ctx, s.r, a.OrganisationID); err != nil {
				return err
			}
		}
		acc := &opora.FamilyAccess{FamilyID: f.ID, OrgType: rules.orgType, Sections: slices.Clone(rules.sections)}
		if err := s.applySharingBasesCached(ctx, s.r, f, acc, cache); err != nil {
			return err
		}
		hideSections(f, acc)
	}
	return nil
}

// logFamilyView writes the view audit row of a family's card or section.
// A view by another organisation than the card's holder names its reason
// (the grant's reason, and the agency's task), and the holder gets a row
// of its own in its audit log: who of which organisation read its family
// and why.
func (s *Store) logFamilyView(ctx context.Context, f *opora.Family, acc *opora.FamilyAccess, section string) error {
	if acc == nil || acc.Reason == opora.AccessHolder {
		return s.logView(ctx, "family", f.ID, section)
	}
	a := opora.ActorFrom(ctx)
	ch := []opora.Change{{Field: "access", New: acc.Reason}}
	if acc.TaskID != 0 {
		ch = append(ch, opora.Change{Field: "task_id", New: strconv.FormatInt(acc.TaskID, 10)})
	}
	if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "family", EntityID: f.ID,
		Section: section, Changes: ch}); err != nil {
		return err
	}
	return s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "family", EntityID: f.ID,
		Section: section, OrganisationID: f.OrganisationID,
		Changes: append(ch, opora.Change{Field: "organisation_id", New: strconv.FormatInt(a.OrganisationID, 10)})})
}

// FamilySectionRules returns the network's table of sections per agency
// type and the days access lasts after an agency's last task. Needs
// admin.network.
func (s *Store) FamilySectionRules(ctx context.Context) (*opora.FamilySectionRules, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return nil, err
	}
	return s.familySectionRules(ctx, s.r)
}

func (s *Store) familySectionRules(ctx context.Context, q queryer) (*opora.FamilySectionRules, error) {
	r := &opora.FamilySectionRules{Sections: map[opora.OrgType][]opora.FamilySection{}, TaskAccessDays: opora.DefaultTaskAccessDays}
	if err := q.QueryRowContext(ctx, `SELECT task_access_days FROM family_access_settings WHERE id = 1`).
		Scan(&r.TaskAccessDays); err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("store: family sections: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT org_type, section FROM family_section_rules`)
	if err != nil {
		return nil, fmt.Errorf("store: family sections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, sec string
		if err := rows.Scan(&t, &sec); err != nil {
			return nil, fmt.Errorf("store: family sections: %w", err)
		}
		r.Sections[opora.OrgType(t)] = append(r.Sections[opora.OrgType(t)], opora.FamilySection(sec))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: family sections: %w", err)
	}
	for t, ss := range r.Sections { // in the card's order
		r.Sections[t] = sortSections(ss)
	}
	return r, nil
}

func sortSections(ss []opora.FamilySection) []opora.FamilySection {
	var out []opora.FamilySection
	for _, sec := range opora.FamilySections {
		if slices.Contains(ss, sec) {
			out = append(out, sec)
		}
	}
	return out
}

// SaveFamilySectionRules replaces the table of sections per agency type
// and the days setting, in one transaction with one audit row naming what
// changed (type: sections added and removed). Needs admin.network.
func (s *Store) SaveFamilySectionRules(ctx context.Context, r *opora.FamilySectionRules) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.familySectionRules(ctx, tx)
		if err != nil {
			return err
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "task_access_days", strconv.Itoa(old.TaskAccessDays), strconv.Itoa(r.TaskAccessDays))
		for _, t := range opora.OrgTypes {
			was, now := sectionList(old.Sections[t]), sectionList(sortSections(r.Sections[t]))
			ch = opora.Diff(ch, "sections."+string(t), was, now)
		}
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM family_section_rules`); err != nil {
			return fmt.Errorf("store: save family sections: %w", err)
		}
		for _, t := range opora.OrgTypes {
			for _, sec := range sortSections(r.Sections[t]) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO family_section_rules (org_type, section) VALUES ($1, $2)`,
					string(t), string(sec)); err != nil {
					return fmt.Errorf("store: save family sections: %w", err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE family_access_settings SET task_access_days = $1, updated_by = $2,
			updated_at = $3 WHERE id = 1`, r.TaskAccessDays, nullID(a.UserID), s.Now()); err != nil {
			return fmt.Errorf("store: save family sections: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family_section_rules",
			Changes: ch})
	})
}

func sectionList(ss []opora.FamilySection) string {
	var out []string
	for _, sec := range ss {
		out = append(out, string(sec))
	}
	return strings.Join(out, ",")
}

// ExpireTaskGrants revokes the grants an agency holds through its tasks
// (reason "task") once none of its tasks on the family is open and the
// last closed more than task_access_days ago; the curator's organisation
// and the card's holder keep theirs, and a grant given less than that ago
// (its task not yet saved) stays. Each revocation writes an audit row (in
// the holder's log) and a line of the family's timeline. It runs without
// a user, from the server's periodic sweep; it returns how many grants it
// revoked.
func (s *Store) ExpireTaskGrants(ctx context.Context) (int, error) {
	var days int
	if err := s.r.QueryRowContext(ctx, `SELECT task_access_days FROM family_access_settings WHERE id = 1`).Scan(&days); err != nil {
		return 0, fmt.Errorf("store: expire task grants: %w", err)
	}
	cutoff := s.Now().AddDate(0, 0, -days)
	type expired struct {
		id, familyID, orgID, holderID int64
		name                          string
	}
	var list []expired
	rows, err := s.r.QueryContext(ctx, `SELECT g.id, g.subject_id, g.organisation_id, f.organisation_id, o.name
		FROM subject_grants g JOIN families f ON f.id = g.subject_id JOIN organisations o ON o.id = g.organisation_id
		WHERE g.subject_type = 'family' AND g.reason = $1 AND g.revoked_at IS NULL AND g.granted_at < $2
		AND (f.curator_org_id IS NULL OR f.curator_org_id <> g.organisation_id)
		AND NOT EXISTS (SELECT 1 FROM case_tasks t WHERE t.responsible_org_id = g.organisation_id AND t.family_id = g.subject_id
			AND (t.status IN `+openTaskStatuses+` OR t.status_changed_at >= $2))
		ORDER BY g.id`, opora.GrantTask, cutoff)
	if err != nil {
		return 0, fmt.Errorf("store: expire task grants: %w", err)
	}
	for rows.Next() {
		var e expired
		if err := rows.Scan(&e.id, &e.familyID, &e.orgID, &e.holderID, &e.name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: expire task grants: %w", err)
		}
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: expire task grants: %w", err)
	}
	n := 0
	for _, e := range list {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE subject_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`,
				s.Now(), e.id)
			if err != nil {
				return fmt.Errorf("store: expire task grants: %w", err)
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "subject_grant",
				EntityID: e.id, OrganisationID: e.holderID, Changes: []opora.Change{{Field: "family_id", Old: idText(e.familyID)},
					{Field: "organisation_id", Old: idText(e.orgID)}, {Field: "reason", New: GrantTaskExpired}}}); err != nil {
				return err
			}
			return s.addFamilyEvent(ctx, tx, &opora.Family{ID: e.familyID, OrganisationID: e.holderID}, opora.FamilyEventRevoke,
				e.name, []opora.Change{{Field: "reason", New: GrantTaskExpired}})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// GrantTaskExpired is the reason written when ExpireTaskGrants revokes a
// grant (catalog key "family.grant_reason.task_expired").
const GrantTaskExpired = "task_expired"
