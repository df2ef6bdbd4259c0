package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/search"
)

// Retention and destruction of personal data (issue 22 item 3; the domain
// in opora/retention.go). Rules live per organisation; the daily job
// (RunRetention, from RunDueJobs) lists the clients due in retention_due,
// purges deleted files and replaced photos after the grace period and acts
// older than three years; DestroyClient erases one approved client in one
// transaction and removes the files from disk after it commits.

// FileRemover removes stored bytes by storage key (files.Storage); a
// missing file is not an error.
type FileRemover interface {
	Remove(key string) error
}

const retentionRuleColumns = `r.id, r.organisation_id, r.name, COALESCE(r.case_type_id, 0), COALESCE(d.label, ''),
	r.trigger_kind, r.amount, r.unit, r.action, r.active`

const retentionRuleFrom = ` FROM retention_rules r LEFT JOIN dictionary_items d ON d.id = r.case_type_id`

func scanRetentionRule(row interface{ Scan(...any) error }) (*opora.RetentionRule, error) {
	r := &opora.RetentionRule{}
	var trigger, action string
	if err := row.Scan(&r.ID, &r.OrganisationID, &r.Name, &r.CaseTypeID, &r.CaseTypeLabel, &trigger, &r.Amount, &r.Unit,
		&action, &r.Active); err != nil {
		return nil, err
	}
	r.Trigger, r.Action = opora.RetentionTrigger(trigger), opora.RetentionAction(action)
	return r, nil
}

// RetentionRules lists the organisation's rules. Needs retention.approve.
func (s *Store) RetentionRules(ctx context.Context) ([]*opora.RetentionRule, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return nil, err
	}
	return s.retentionRules(ctx, s.r, `r.organisation_id = $1`, a.OrganisationID)
}

func (s *Store) retentionRules(ctx context.Context, q queryer, where string, args ...any) ([]*opora.RetentionRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+retentionRuleColumns+retentionRuleFrom+` WHERE `+where+
		` ORDER BY r.organisation_id, r.name, r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: retention rules: %w", err)
	}
	defer rows.Close()
	var out []*opora.RetentionRule
	for rows.Next() {
		r, err := scanRetentionRule(rows)
		if err != nil {
			return nil, fmt.Errorf("store: retention rules: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RetentionRule returns one rule of the organisation. Needs retention.approve.
func (s *Store) RetentionRule(ctx context.Context, id int64) (*opora.RetentionRule, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return nil, err
	}
	r, err := scanRetentionRule(s.r.QueryRowContext(ctx, `SELECT `+retentionRuleColumns+retentionRuleFrom+
		` WHERE r.id = $1 AND r.organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return r, nil
}

// SaveRetentionRule creates (ID 0) or updates a rule. The case type must
// be one of the organisation's. Needs retention.approve; audit-logged.
func (s *Store) SaveRetentionRule(ctx context.Context, r *opora.RetentionRule) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if r.CaseTypeID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_items WHERE id = $1 AND organisation_id = $2
				AND dictionary = $3`, r.CaseTypeID, a.OrganisationID, opora.DictCaseType).Scan(&n); err != nil {
				return fmt.Errorf("store: retention rule: %w", err)
			}
			if n == 0 {
				var v opora.Validation
				v.Add("case_type_id", "error.invalid_choice")
				return v.Err()
			}
		}
		now := s.Now()
		action := opora.ActionUpdate
		if r.ID == 0 {
			action = opora.ActionCreate
			id, err := insertID(ctx, tx, `INSERT INTO retention_rules (organisation_id, name, case_type_id, trigger_kind, amount,
				unit, action, active, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10)`, a.OrganisationID, r.Name, nullID(r.CaseTypeID),
				string(r.Trigger), r.Amount, r.Unit, string(r.Action), r.Active, nullID(a.UserID), now)
			if err != nil {
				return fmt.Errorf("store: create retention rule: %w", err)
			}
			r.ID = id
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE retention_rules SET name = $1, case_type_id = $2, trigger_kind = $3,
				amount = $4, unit = $5, action = $6, active = $7, updated_by = $8, updated_at = $9
				WHERE id = $10 AND organisation_id = $11`, r.Name, nullID(r.CaseTypeID), string(r.Trigger), r.Amount, r.Unit,
				string(r.Action), r.Active, nullID(a.UserID), now, r.ID, a.OrganisationID)
			if err != nil {
				return fmt.Errorf("store: update retention rule: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return opora.ErrNotFound
			}
		}
		r.OrganisationID = a.OrganisationID
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "retention_rule", EntityID: r.ID,
			Changes: []opora.Change{{Field: "trigger", New: string(r.Trigger)}, {Field: "period", New: strconv.Itoa(r.Amount) + " " + r.Unit},
				{Field: "action", New: string(r.Action)}}})
	})
}

// DeleteRetentionRule removes a rule and what the job found by it. Needs
// retention.approve; audit-logged.
func (s *Store) DeleteRetentionRule(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM retention_due WHERE rule_id = $1 AND organisation_id = $2`, id, a.OrganisationID); err != nil {
			return fmt.Errorf("store: delete retention rule: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM retention_rules WHERE id = $1 AND organisation_id = $2`, id, a.OrganisationID)
		if err != nil {
			return fmt.Errorf("store: delete retention rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "retention_rule", EntityID: id})
	})
}

// FileGraceDays returns the days a deleted file stays on disk in the
// actor's organisation. Needs retention.approve.
func (s *Store) FileGraceDays(ctx context.Context) (int, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return 0, err
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT file_grace_days FROM organisations WHERE id = $1`, a.OrganisationID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: file grace days: %w", err)
	}
	return n, nil
}

// SetFileGraceDays sets the days (1–3650) a deleted file or replaced photo
// stays on disk. Needs retention.approve; audit-logged.
func (s *Store) SetFileGraceDays(ctx context.Context, days int) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return err
	}
	if days < 1 || days > 3650 {
		var v opora.Validation
		v.Add("grace_days", "retention.error_grace")
		return v.Err()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var old int
		if err := tx.QueryRowContext(ctx, `SELECT file_grace_days FROM organisations WHERE id = $1`, a.OrganisationID).Scan(&old); err != nil {
			return fmt.Errorf("store: file grace days: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET file_grace_days = $1 WHERE id = $2`, days, a.OrganisationID); err != nil {
			return fmt.Errorf("store: file grace days: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "organisation", EntityID: a.OrganisationID,
			Section: "retention", Changes: []opora.Change{{Field: "file_grace_days", Old: strconv.Itoa(old), New: strconv.Itoa(days)}}})
	})
}

// dayOf reads a date or timestamp scanned into any: SQLite hands
// aggregates and expressions back as text, PostgreSQL as time.
func dayOf(v any) opora.Date {
	switch t := v.(type) {
	case time.Time:
		return opora.DateOf(t.UTC())
	case []byte:
		return dayOf(string(t))
	case string:
		if len(t) >= 10 {
			if d, err := time.Parse("2006-01-02", t[:10]); err == nil {
				return opora.DateOf(d)
			}
		}
	}
	return opora.Date{}
}

// retentionCandidates returns, for one rule, the day its clock started
// for each client it applies to (clients not destroyed, not merged away).
func (s *Store) retentionCandidates(ctx context.Context, r *opora.RetentionRule) (map[int64]opora.Date, error) {
	args := []any{r.OrganisationID}
	typeCond := ""
	if r.CaseTypeID != 0 {
		args = append(args, r.CaseTypeID)
		typeCond = ` AND EXISTS (SELECT 1 FROM cases kt WHERE kt.client_id = c.id AND kt.subject_type = 'client' AND kt.type_id = $2)`
	}
	// Never a client with an open case or living in the shelter.
	base := ` FROM clients c WHERE c.organisation_id = $1 AND c.destroyed_at IS NULL AND c.merged_into IS NULL` + typeCond +
		` AND NOT EXISTS (SELECT 1 FROM cases ko WHERE ko.client_id = c.id AND ko.subject_type = 'client' AND ko.status = 'open')
		AND NOT EXISTS (SELECT 1 FROM shelter_stays so WHERE so.client_id = c.id AND so.status = 'living')`
	var q string
	switch r.Trigger {
	case opora.TriggerCaseClosed:
		// The clock starts when the client's last case (of any type)
		// closed; a client with an open case is never due.
		q = `SELECT c.id, (SELECT MAX(k.closed_on) FROM cases k WHERE k.client_id = c.id AND k.subject_type = 'client')` + base
	case opora.TriggerLastActivity:
		q = `SELECT c.id, c.created_at,
			(SELECT MAX(e.at) FROM client_events e WHERE e.client_id = c.id),
			(SELECT MAX(sv.rendered_on) FROM services sv WHERE sv.client_id = c.id AND sv.deleted_at IS NULL),
			(SELECT MAX(v.visited_on) FROM checkin_visits v WHERE v.client_id = c.id),
			(SELECT MAX(COALESCE(st.check_out, st.check_in)) FROM shelter_stays st WHERE st.client_id = c.id)` + base
	case opora.TriggerClientDeleted:
		q = `SELECT c.id, c.deleted_at` + base + ` AND c.deleted_at IS NOT NULL`
	case opora.TriggerConsentWithdrawn:
		// The latest withdrawal, for a client with no consent in force.
		args = append(args, s.Today())
		today := fmt.Sprintf("$%d", len(args))
		q = `SELECT c.id, (SELECT MAX(cw.withdrawn_on) FROM consents cw WHERE cw.client_id = c.id)` + base +
			` AND EXISTS (SELECT 1 FROM consents cw WHERE cw.client_id = c.id AND cw.withdrawn_on IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM consents ci WHERE ci.client_id = c.id AND ci.withdrawn_on IS NULL
				AND (ci.valid_to IS NULL OR ci.valid_to >= ` + today + `))`
	default:
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: retention candidates: %w", err)
	}
	defer rows.Close()
	out := map[int64]opora.Date{}
	for rows.Next() {
		var id int64
		vals := make([]any, 1)
		if r.Trigger == opora.TriggerLastActivity {
			vals = make([]any, 5)
		}
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: retention candidates: %w", err)
		}
		var day opora.Date
		for _, v := range vals {
			if d := dayOf(v); !d.IsZero() && (day.IsZero() || d.After(day)) {
				day = d
			}
		}
		if !day.IsZero() {
			out[id] = day
		}
	}
	return out, rows.Err()
}

// FindDueDestructions is the daily listing: for every organisation it
// rewrites retention_due with the clients every applicable active rule
// says are due. A client falls under a rule when the rule's case type
// (if any) is among the client's cases and its trigger applies (a deleted
// card for client_deleted, a closed case for case_closed); the client is
// due when all its rules' periods have run out, since the latest of them.
// Returns how many clients are due.
func (s *Store) FindDueDestructions(ctx context.Context) (int, error) {
	rules, err := s.retentionRules(ctx, s.r, `r.active`)
	if err != nil {
		return 0, err
	}
	today := s.Today()
	type due struct {
		rule     *opora.RetentionRule
		trigger  opora.Date
		dueSince opora.Date
		blocked  bool
	}
	byOrg := map[int64]map[int64]*due{}
	for _, r := range rules {
		if byOrg[r.OrganisationID] == nil {
			byOrg[r.OrganisationID] = map[int64]*due{}
		}
		cands, err := s.retentionCandidates(ctx, r)
		if err != nil {
			return 0, err
		}
		m := byOrg[r.OrganisationID]
		for id, day := range cands {
			d := r.Due(day)
			cur := m[id]
			if cur == nil {
				cur = &due{}
				m[id] = cur
			}
			if d.After(today) {
				cur.blocked = true
			}
			if cur.rule == nil || d.After(cur.dueSince) {
				cur.rule, cur.trigger, cur.dueSince = r, day, d
			}
		}
	}
	total := 0
	now := s.Now()
	var orgs []int64
	if err := func() error {
		rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT organisation_id FROM retention_due`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if byOrg[id] == nil {
				orgs = append(orgs, id)
			}
		}
		return rows.Err()
	}(); err != nil {
		return 0, fmt.Errorf("store: retention due: %w", err)
	}
	for org := range byOrg {
		orgs = append(orgs, org)
	}
	for _, org := range orgs {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM retention_due WHERE organisation_id = $1`, org); err != nil {
				return err
			}
			for id, d := range byOrg[org] {
				if d.blocked {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO retention_due (client_id, organisation_id, rule_id, trigger_day, due_since, found_at)
					VALUES ($1, $2, $3, $4, $5, $6)`, id, org, d.rule.ID, d.trigger, d.dueSince, now); err != nil {
					return err
				}
				total++
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("store: retention due: %w", err)
		}
	}
	return total, nil
}

// DueDestructions lists what the daily job found due in the actor's
// organisation, longest due first: numbers only. Needs retention.approve.
func (s *Store) DueDestructions(ctx context.Context) ([]*opora.DueDestruction, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT d.client_id, d.rule_id, r.name, r.action, d.trigger_day, d.due_since, d.found_at
		FROM retention_due d JOIN retention_rules r ON r.id = d.rule_id
		WHERE d.organisation_id = $1 ORDER BY d.due_since, d.client_id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: due destructions: %w", err)
	}
	defer rows.Close()
	var out []*opora.DueDestruction
	for rows.Next() {
		d := &opora.DueDestruction{}
		var action string
		var trig, since, found any
		if err := rows.Scan(&d.ClientID, &d.RuleID, &d.RuleName, &action, &trig, &since, &found); err != nil {
			return nil, fmt.Errorf("store: due destructions: %w", err)
		}
		d.Action, d.TriggerDay, d.DueSince = opora.RetentionAction(action), dayOf(trig), dayOf(since)
		out = append(out, d)
	}
	return out, rows.Err()
}

// clientChildren are the audit entities whose rows belong to a client,
// with the query giving their ids ($1: the client). Their audit rows'
// changes (old and new values) are scrubbed on destruction.
var clientChildren = []struct{ entity, ids string }{
	{"note", `SELECT id FROM notes WHERE client_id = $1`},
	{"file", `SELECT id FROM files WHERE client_id = $1`},
	{"service", `SELECT id FROM services WHERE client_id = $1`},
	{"case", `SELECT id FROM cases WHERE client_id = $1`},
	{"task", `SELECT id FROM case_tasks WHERE client_id = $1 OR case_id IN (SELECT id FROM cases WHERE client_id = $1)`},
	{"task_comment", `SELECT id FROM task_comments WHERE task_id IN (SELECT id FROM case_tasks WHERE client_id = $1
		OR case_id IN (SELECT id FROM cases WHERE client_id = $1))`},
	{"reminder", `SELECT id FROM reminders WHERE client_id = $1`},
	{"identity_document", `SELECT id FROM identity_documents WHERE client_id = $1`},
	{"restriction", `SELECT id FROM restrictions WHERE client_id = $1`},
	{"shelter_stay", `SELECT id FROM shelter_stays WHERE client_id = $1`},
	{"medical_check", `SELECT id FROM shelter_medical_checks WHERE client_id = $1`},
	{"checkin_person", `SELECT id FROM checkin_persons WHERE client_id = $1`},
	{"checkin_visit", `SELECT id FROM checkin_visits WHERE client_id = $1`},
	{"subject_request", `SELECT id FROM subject_requests WHERE client_id = $1`},
	{"issued_document", `SELECT id FROM issued_documents WHERE client_id = $1`}, // a voiding's reason
}

// destroySteps erase a client's personal data in the destruction's
// transaction, in order ($1: the client). Rows the reports count
// (services, cases, stays, visits, the client row) keep their facts
// without text; rows that are only personal data go. EVERY new table
// holding a client's text must be added here: the retention test scans
// every text column of every table for the destroyed person's name.
var destroySteps = []string{
	`DELETE FROM note_revisions WHERE note_id IN (SELECT id FROM notes WHERE client_id = $1)`,
	`DELETE FROM notes WHERE client_id = $1`,
	`DELETE FROM reminder_reads WHERE reminder_id IN (SELECT id FROM reminders WHERE client_id = $1)`,
	`DELETE FROM reminder_recipients WHERE reminder_id IN (SELECT id FROM reminders WHERE client_id = $1)`,
	`DELETE FROM reminders WHERE client_id = $1`,
	`DELETE FROM restrictions WHERE client_id = $1`,
	`DELETE FROM identity_documents WHERE client_id = $1`,
	`DELETE FROM client_events WHERE client_id = $1`,
	`UPDATE services SET comment = '', delete_reason = '' WHERE client_id = $1`,
	`UPDATE cases SET outcome_comment = '' WHERE client_id = $1`,
	`DELETE FROM task_comments WHERE task_id IN (SELECT id FROM case_tasks WHERE client_id = $1
		OR case_id IN (SELECT id FROM cases WHERE client_id = $1))`,
	`UPDATE case_tasks SET description = '', fail_reason = '', report = '', report_file_id = NULL, return_reason = '',
		return_comment = '' WHERE client_id = $1 OR case_id IN (SELECT id FROM cases WHERE client_id = $1)`,
	`UPDATE shelter_stays SET reason = '', comment = '' WHERE client_id = $1`,
	`UPDATE shelter_medical_checks SET comment = '' WHERE client_id = $1`,
	`UPDATE checkin_persons SET surname = '', first_name = '', search_key = ''
		WHERE client_id = $1 OR merged_into IN (SELECT id FROM checkin_persons WHERE client_id = $1)`,
	`UPDATE answers SET value_text = '', value_num = NULL, value_date = NULL, file_id = NULL WHERE client_id = $1`,
	// The consents (a representative's name, the withdrawal's reason, the
	// scan) go; the answers kept for reports forget which one they rested on.
	`UPDATE answers SET basis_consent_id = NULL WHERE client_id = $1`,
	`DELETE FROM consents WHERE client_id = $1`,
	// The register of the person's requests keeps each request's kind and
	// dates (that it was answered in time), not who asked or what was said.
	`UPDATE subject_requests SET requester = '', details = '', answer = '' WHERE client_id = $1`,
	`DELETE FROM retention_due WHERE client_id = $1`,
	// Issued certificates and letters keep their number (the register of
	// outgoing numbers has no gaps), not their text.
	`UPDATE issued_documents SET body = '', void_reason = '' WHERE client_id = $1`,
	// The hash of the spreadsheet row the person was imported from, and an
	// import report's pointer to them as a likely duplicate.
	`DELETE FROM import_rows WHERE client_id = $1`,
	`UPDATE import_problems SET client_id = NULL WHERE client_id = $1`,
}

// destroyAttributes are the further steps of the destroy action: the
// attributes the reports group by go too.
var destroyAttributes = []string{
	`DELETE FROM answers WHERE client_id = $1`,
	`DELETE FROM form_fillings WHERE client_id = $1`,
	`UPDATE checkin_persons SET gender = '', birth_year = NULL
		WHERE client_id = $1 OR merged_into IN (SELECT id FROM checkin_persons WHERE client_id = $1)`,
	`UPDATE clients SET gender = '', birth_year = NULL, birth_precision = '', homeless_status = '' WHERE id = $1`,
}

// DestroyClient erases the personal data of a client the daily job listed
// as due, with the approver's reason, in one transaction: see
// destroySteps and opora.ActionAnonymise / ActionDestroy. It refuses a
// client with an open case, living in the shelter or belonging to a family
// (field "client" with a message key). The files' rows go in the
// transaction and their bytes are removed from disk after it commits (a
// crash in between leaves file_removals rows the next job run finishes).
// Needs retention.approve; writes the destruction record and an audit row
// without values.
func (s *Store) DestroyClient(ctx context.Context, clientID int64, reason string, fr FileRemover) (*opora.Destruction, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		var v opora.Validation
		v.Add("reason", "error.required")
		return nil, v.Err()
	}
	if len([]rune(reason)) > 1000 {
		var v opora.Validation
		v.Add("reason", "error.too_long")
		return nil, v.Err()
	}
	d := &opora.Destruction{OrganisationID: a.OrganisationID, ClientID: clientID, Reason: reason, ApprovedBy: a.UserID,
		ApprovedName: a.FullName}
	var keys []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var ruleName, action string
		var trig, since any
		err := tx.QueryRowContext(ctx, `SELECT d.rule_id, r.name, r.action, d.trigger_day, d.due_since
			FROM retention_due d JOIN retention_rules r ON r.id = d.rule_id
			JOIN clients c ON c.id = d.client_id
			WHERE d.client_id = $1 AND d.organisation_id = $2 AND c.organisation_id = $2 AND c.destroyed_at IS NULL`,
			clientID, a.OrganisationID).Scan(&d.RuleID, &ruleName, &action, &trig, &since)
		if errors.Is(err, sql.ErrNoRows) {
			return opora.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: destroy client: %w", err)
		}
		d.RuleName, d.Action, d.TriggerDay, d.DueSince = ruleName, opora.RetentionAction(action), dayOf(trig), dayOf(since)
		if err := refuseDestruction(ctx, tx, clientID); err != nil {
			return err
		}
		return s.recountClients(ctx, tx, []int64{clientID}, func() error {
			var err error
			keys, err = s.eraseClient(ctx, tx, a, d)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	s.removeFiles(ctx, fr, keys)
	return d, nil
}

// refuseDestruction says why a client's data may not be erased now.
func refuseDestruction(ctx context.Context, tx *sql.Tx, clientID int64) error {
	checks := []struct{ q, key string }{
		{`SELECT COUNT(*) FROM cases WHERE client_id = $1 AND status = 'open'`, "retention.error_open_case"},
		{`SELECT COUNT(*) FROM shelter_stays WHERE client_id = $1 AND status = 'living'`, "retention.error_living"},
		{`SELECT COUNT(*) FROM family_members WHERE client_id = $1`, "retention.error_family"},
	}
	for _, c := range checks {
		var n int
		if err := tx.QueryRowContext(ctx, c.q, clientID).Scan(&n); err != nil {
			return fmt.Errorf("store: destroy client: %w", err)
		}
		if n > 0 {
			var v opora.Validation
			v.Add("client", c.key)
			return v.Err()
		}
	}
	return nil
}

// eraseClient runs the erasure in tx and returns the storage keys of the
// files whose rows it dropped (queued in file_removals).
func (s *Store) eraseClient(ctx context.Context, tx *sql.Tx, a *opora.Actor, d *opora.Destruction) ([]string, error) {
	id := d.ClientID
	var key string
	if err := tx.QueryRowContext(ctx, `SELECT search_key FROM clients WHERE id = $1`, id).Scan(&key); err != nil {
		return nil, fmt.Errorf("store: destroy client: %w", err)
	}
	// The audit keeps who did what and when; the values go.
	// (Rows without values, views above all, are left alone; the files'
	// rows are also found by their section, for files purged before.)
	if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET changes = '' WHERE entity = 'client' AND entity_id = $1
		AND changes <> ''`, id); err != nil {
		return nil, fmt.Errorf("store: destroy client audit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET changes = '' WHERE entity = 'file' AND section = $1
		AND changes <> ''`, clientSection(id)); err != nil {
		return nil, fmt.Errorf("store: destroy client audit: %w", err)
	}
	for _, c := range clientChildren {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET changes = '' WHERE entity = $2 AND entity_id IN (`+
			c.ids+`) AND changes <> ''`, id, c.entity); err != nil {
			return nil, fmt.Errorf("store: destroy client audit %s: %w", c.entity, err)
		}
	}
	for _, q := range destroySteps {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return nil, fmt.Errorf("store: destroy client: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE clients SET surname = '', first_name = '', patronymic = '', birth_date = NULL,
		birth_place = '', birth_precision = CASE WHEN birth_precision = 'date' THEN 'year' ELSE birth_precision END,
		homeless_since = NULL, photo_id = NULL, thumb_id = NULL, search_key = '', consent_date = NULL, consent_by = NULL,
		consent_file_id = NULL, delete_reason = '', destroyed_at = $2, version = version + 1, updated_by = $3, updated_at = $2
		WHERE id = $1`, id, s.Now(), nullID(a.UserID)); err != nil {
		return nil, fmt.Errorf("store: destroy client: %w", err)
	}
	if d.Action == opora.ActionDestroy {
		for _, q := range destroyAttributes {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return nil, fmt.Errorf("store: destroy client: %w", err)
			}
		}
	}
	// Files: every row of the client's files goes, the bytes after commit.
	keys, err := dropFiles(ctx, tx, s.Now(), `client_id = $1`, id)
	if err != nil {
		return nil, err
	}
	if err := dropNameWords(ctx, tx, id, key); err != nil {
		return nil, err
	}
	d.Categories = opora.DestructionCategories(d.Action)
	d.FilesRemoved = len(keys)
	d.DoneAt = s.Now()
	did, err := insertID(ctx, tx, `INSERT INTO destructions (organisation_id, client_no, action, categories, reason, rule_id,
		rule_name, trigger_day, due_since, approved_by, done_at, files_removed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, d.OrganisationID, id, string(d.Action),
		strings.Join(d.Categories, ","), d.Reason, nullID(d.RuleID), d.RuleName, nullDay(d.TriggerDay), nullDay(d.DueSince),
		a.UserID, d.DoneAt, d.FilesRemoved)
	if err != nil {
		return nil, fmt.Errorf("store: destruction record: %w", err)
	}
	d.ID = did
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "client", EntityID: id,
		Section: "retention", Changes: []opora.Change{{Field: "destruction", New: strconv.FormatInt(did, 10)},
			{Field: "action", New: string(d.Action)}}}); err != nil {
		return nil, err
	}
	return keys, nil
}

func nullDay(d opora.Date) any {
	if d.IsZero() {
		return nil
	}
	return d
}

// dropFiles deletes the file rows matching where (after clearing every
// reference to them) and queues their bytes in file_removals; returns the
// storage keys.
func dropFiles(ctx context.Context, tx *sql.Tx, now time.Time, where string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, storage_key FROM files WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: drop files: %w", err)
	}
	var ids []int64
	var keys []string
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: drop files: %w", err)
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: drop files: %w", err)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		in, args := inList(nil, ids[:n])
		for _, q := range []string{
			`UPDATE clients SET photo_id = NULL WHERE photo_id IN (` + in + `)`,
			`UPDATE clients SET thumb_id = NULL WHERE thumb_id IN (` + in + `)`,
			`UPDATE clients SET consent_file_id = NULL WHERE consent_file_id IN (` + in + `)`,
			`UPDATE consents SET file_id = NULL WHERE file_id IN (` + in + `)`,
			`UPDATE answers SET file_id = NULL WHERE file_id IN (` + in + `)`,
			`UPDATE case_tasks SET report_file_id = NULL WHERE report_file_id IN (` + in + `)`,
			`DELETE FROM files WHERE id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return nil, fmt.Errorf("store: drop files: %w", err)
			}
		}
		ids = ids[n:]
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO file_removals (storage_key, queued_at) VALUES ($1, $2)
			ON CONFLICT (storage_key) DO NOTHING`, k, now); err != nil {
			return nil, fmt.Errorf("store: drop files: %w", err)
		}
	}
	return keys, nil
}

// dropNameWords removes from the typo-search dictionary the words of a
// destroyed client's search key that no other client or check-in person
// holds.
func dropNameWords(ctx context.Context, tx *sql.Tx, clientID int64, key string) error {
	for _, w := range search.KeyWords(key) {
		var n int
		pat := "% " + w + " %"
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM clients WHERE id <> $1 AND ' ' || search_key || ' ' LIKE $2)
			+ (SELECT COUNT(*) FROM checkin_persons WHERE ' ' || search_key || ' ' LIKE $2)`, clientID, pat).Scan(&n); err != nil {
			return fmt.Errorf("store: name words: %w", err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM name_word_grams WHERE word = $1`, w); err != nil {
			return fmt.Errorf("store: name words: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM name_words WHERE word = $1`, w); err != nil {
			return fmt.Errorf("store: name words: %w", err)
		}
	}
	return nil
}

// removeFiles removes queued bytes from disk and their queue rows; what
// fails stays queued for the next run. Returns how many were removed.
func (s *Store) removeFiles(ctx context.Context, fr FileRemover, keys []string) int {
	if fr == nil {
		return 0
	}
	n := 0
	for _, k := range keys {
		if err := fr.Remove(k); err != nil {
			continue
		}
		if _, err := s.w.ExecContext(ctx, `DELETE FROM file_removals WHERE storage_key = $1`, k); err != nil {
			continue
		}
		n++
	}
	return n
}

// RunRetention is the daily retention job: it lists the clients due,
// purges deleted files and replaced photos older than each organisation's
// grace period and the destruction records older than three years, and
// removes from disk what earlier runs or destructions left queued.
func (s *Store) RunRetention(ctx context.Context, fr FileRemover) (opora.RetentionReport, error) {
	var r opora.RetentionReport
	var err error
	if r.Due, err = s.FindDueDestructions(ctx); err != nil {
		return r, err
	}
	now := s.Now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// A file is purged once deleted (a replaced photo is marked deleted
		// too) for longer than its organisation's grace days and no longer
		// referenced.
		rows, err := tx.QueryContext(ctx, `SELECT f.id, f.deleted_at, o.file_grace_days FROM files f
			JOIN organisations o ON o.id = f.organisation_id WHERE f.deleted_at IS NOT NULL`)
		if err != nil {
			return fmt.Errorf("store: purge files: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var deleted sql.NullTime
			var grace int
			if err := rows.Scan(&id, &deleted, &grace); err != nil {
				rows.Close()
				return fmt.Errorf("store: purge files: %w", err)
			}
			if deleted.Valid && now.Sub(deleted.Time) >= time.Duration(grace)*24*time.Hour {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: purge files: %w", err)
		}
		for len(ids) > 0 {
			n := min(len(ids), 500)
			in, args := inList(nil, ids[:n])
			keys, err := dropFiles(ctx, tx, now, `id IN (`+in+`)`, args...)
			if err != nil {
				return err
			}
			r.FilesPurged += len(keys)
			ids = ids[n:]
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM destructions WHERE done_at < $1`, now.AddDate(-opora.DestructionKeepYears, 0, 0))
		if err != nil {
			return fmt.Errorf("store: purge acts: %w", err)
		}
		n, _ := res.RowsAffected()
		r.ActsPurged = int(n)
		return nil
	})
	if err != nil {
		return r, err
	}
	var keys []string
	rows, err := s.r.QueryContext(ctx, `SELECT storage_key FROM file_removals ORDER BY storage_key`)
	if err != nil {
		return r, fmt.Errorf("store: file removals: %w", err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return r, fmt.Errorf("store: file removals: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("store: file removals: %w", err)
	}
	r.DiskRemoved = s.removeFiles(ctx, fr, keys)
	return r, s.compactSearch(ctx, now)
}

// compactSearch merges SQLite's full-text indexes after destructions of
// the last two days, so the erased names' old index segments are
// rewritten (a 'delete' only adds a tombstone). PostgreSQL's indexes
// follow the rows.
func (s *Store) compactSearch(ctx context.Context, now time.Time) error {
	if s.dialect != SQLite {
		return nil
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM destructions WHERE done_at >= $1`, now.AddDate(0, 0, -2)).Scan(&n); err != nil {
		return fmt.Errorf("store: compact search: %w", err)
	}
	if n == 0 {
		return nil
	}
	for _, t := range []string{"clients_fts", "clients_words"} {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO `+t+`(`+t+`) VALUES ('optimize')`); err != nil {
			return fmt.Errorf("store: compact search: %w", err)
		}
	}
	return nil
}

const destructionColumns = `x.id, x.organisation_id, x.client_no, x.action, x.categories, x.reason, COALESCE(x.rule_id, 0),
	x.rule_name, x.trigger_day, x.due_since, x.approved_by, COALESCE(u.full_name, ''), x.done_at, x.files_removed`

func scanDestruction(row interface{ Scan(...any) error }) (*opora.Destruction, error) {
	d := &opora.Destruction{}
	var action, cats string
	var trig, since any
	if err := row.Scan(&d.ID, &d.OrganisationID, &d.ClientID, &action, &cats, &d.Reason, &d.RuleID, &d.RuleName, &trig, &since,
		&d.ApprovedBy, &d.ApprovedName, &d.DoneAt, &d.FilesRemoved); err != nil {
		return nil, err
	}
	d.Action, d.TriggerDay, d.DueSince, d.DoneAt = opora.RetentionAction(action), dayOf(trig), dayOf(since), d.DoneAt.UTC()
	if cats != "" {
		d.Categories = strings.Split(cats, ",")
	}
	return d, nil
}

// Destructions lists the organisation's destruction records, newest
// first (at most limit). Needs retention.approve.
func (s *Store) Destructions(ctx context.Context, limit int) ([]*opora.Destruction, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+destructionColumns+` FROM destructions x LEFT JOIN users u ON u.id = x.approved_by
		WHERE x.organisation_id = $1 ORDER BY x.done_at DESC, x.id DESC LIMIT $2`, a.OrganisationID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: destructions: %w", err)
	}
	defer rows.Close()
	var out []*opora.Destruction
	for rows.Next() {
		d, err := scanDestruction(rows)
		if err != nil {
			return nil, fmt.Errorf("store: destructions: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Destruction returns one destruction record of the organisation (the
// act) and logs its printing. Needs retention.approve.
func (s *Store) Destruction(ctx context.Context, id int64) (*opora.Destruction, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermRetentionApprove); err != nil {
		return nil, err
	}
	d, err := scanDestruction(s.r.QueryRowContext(ctx, `SELECT `+destructionColumns+` FROM destructions x
		LEFT JOIN users u ON u.id = x.approved_by WHERE x.id = $1 AND x.organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return d, s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionPrint, Entity: "destruction", EntityID: d.ID})
}

// mergeRetentionDue drops both clients from the due listing on a merge:
// the survivor's history changed, so the next daily run decides anew.
func mergeRetentionDue(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM retention_due WHERE client_id IN ($1, $2)`, from, to); err != nil {
		return fmt.Errorf("store: merge retention due: %w", err)
	}
	return nil
}
