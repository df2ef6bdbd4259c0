package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// The person's own report (issue 22 item 4): everything the organisation
// holds about one person, read by the sources below. Every table with a
// client_id or family_id column is either read by a source or excluded with
// its reason (personExcluded); TestPersonReportCoversEveryTable fails for a
// new table that is neither, so no new kind of record about a person can
// be left out of the report by forgetting it.

// personSource reads one section of the report. The query takes $1, the
// client's id, and $2, the organisation's; its columns are named as the
// catalog's "person.col.<name>". masked columns may hold other people's
// names and are masked.
type personSource struct {
	key    string
	tables []string // the tables whose rows about the person the query reads
	query  string
	masked []string
	labels map[string]string // column → catalog prefix of its coded values
}

// personFamilies is the families the person belongs or belonged to.
const personFamilies = `(SELECT pm.family_id FROM family_members pm WHERE pm.client_id = $1)`

var personSources = []personSource{
	{key: "documents", tables: []string{"identity_documents"}, query: `SELECT COALESCE(di.label, '') AS type, d.series, d.number,
		d.issued_by, d.issued_on, d.address, d.comment, d.created_at
		FROM identity_documents d LEFT JOIN dictionary_items di ON di.id = d.type_id
		WHERE d.client_id = $1 AND d.organisation_id = $2 AND d.deleted_at IS NULL ORDER BY d.id`},
	{key: "consents", tables: []string{"consents"}, query: `SELECT c.valid_from AS starts_on, c.valid_to AS ends_on, c.purposes,
		c.categories, c.subject, c.withdrawn_on FROM consents c WHERE c.client_id = $1 AND c.organisation_id = $2
		ORDER BY c.valid_from, c.id`, labels: map[string]string{"subject": "consent.subject."}},
	{key: "answers", tables: []string{"answers", "form_fillings"}, query: `SELECT fo.name AS form, ff.label AS field,
		COALESCE(op.label, CASE WHEN a.value_num IS NOT NULL THEN CAST(a.value_num AS TEXT) ELSE a.value_text END) AS value,
		a.value_date AS date, COALESCE(fl.name, '') AS file, ff.sensitivity, a.updated_at
		FROM answers a JOIN form_fields ff ON ff.id = a.field_id JOIN form_sections fs ON fs.id = ff.section_id
		JOIN forms fo ON fo.id = fs.form_id LEFT JOIN field_options op ON op.id = a.option_id
		LEFT JOIN files fl ON fl.id = a.file_id
		LEFT JOIN form_fillings fg ON fg.id = a.filling_id
		WHERE a.client_id = $1 AND a.organisation_id = $2 AND (fg.id IS NULL OR fg.deleted_at IS NULL)
		ORDER BY fo.position, fs.position, ff.position, a.id`, masked: []string{"value"}, labels: map[string]string{"sensitivity": "questionnaire.sens."}},
	{key: "notes", tables: []string{"notes", "note_revisions"}, query: `SELECT n.created_at, n.body, COALESCE(u.full_name, '') AS author
		FROM notes n LEFT JOIN users u ON u.id = n.created_by
		WHERE n.client_id = $1 AND n.organisation_id = $2 AND n.deleted_at IS NULL
		UNION ALL
		SELECT r.edited_at, r.body, COALESCE(u.full_name, '') FROM note_revisions r JOIN notes n ON n.id = r.note_id
		LEFT JOIN users u ON u.id = r.edited_by WHERE n.client_id = $1 AND n.organisation_id = $2
		ORDER BY 1`, masked: []string{"body"}},
	{key: "reminders", tables: []string{"reminders"}, query: `SELECT r.due_on, r.body FROM reminders r
		WHERE r.client_id = $1 AND r.organisation_id = $2 AND r.deleted_at IS NULL ORDER BY r.due_on, r.id`, masked: []string{"body"}},
	{key: "restrictions", tables: []string{"restrictions"}, query: `SELECT r.kind, r.description, r.starts_on, r.ends_on, r.lifted_at
		FROM restrictions r WHERE r.client_id = $1 AND r.organisation_id = $2 ORDER BY r.starts_on, r.id`, masked: []string{"description"}, labels: map[string]string{"kind": "restrictions.kind."}},
	{key: "services", tables: []string{"services"}, query: `SELECT sv.rendered_on, st.name AS service, sv.quantity, sv.comment,
		COALESCE(u.full_name, '') AS worker
		FROM services sv JOIN service_types st ON st.id = sv.type_id LEFT JOIN users u ON u.id = sv.worker_id
		WHERE sv.client_id = $1 AND sv.organisation_id = $2 AND sv.deleted_at IS NULL ORDER BY sv.rendered_on, sv.id`,
		masked: []string{"comment"}},
	{key: "cases", tables: []string{"cases", "case_participants"}, query: `SELECT COALESCE(di.label, '') AS type, k.opened_on, k.closed_on,
		k.status, k.outcome, k.outcome_comment AS comment
		FROM cases k LEFT JOIN dictionary_items di ON di.id = k.type_id
		WHERE (k.client_id = $1 OR k.subject_type = 'client' AND k.subject_id = $1) AND k.organisation_id = $2 ORDER BY k.opened_on, k.id`,
		masked: []string{"comment"}, labels: map[string]string{"status": "cases.status.", "outcome": "cases.outcome."}},
	{key: "tasks", tables: []string{"case_tasks", "task_comments", "draft_plan_tasks"}, query: `SELECT COALESCE(di.label, '') AS type, t.description,
		COALESCE(o.name, '') AS agency, t.due_on, t.done_on, t.status, t.report
		FROM case_tasks t LEFT JOIN dictionary_items di ON di.id = t.type_id LEFT JOIN organisations o ON o.id = t.responsible_org_id
		WHERE t.client_id = $1 OR t.family_id IN ` + personFamilies + ` ORDER BY t.due_on, t.id`,
		masked: []string{"description", "report"}, labels: map[string]string{"status": "tasks.status."}},
	{key: "stays", tables: []string{"shelter_stays"}, query: `SELECT r.name AS room, s.check_in, s.check_out, s.status, s.reason
		FROM shelter_stays s JOIN shelter_rooms r ON r.id = s.room_id
		WHERE s.client_id = $1 AND s.organisation_id = $2 ORDER BY s.check_in, s.id`, masked: []string{"reason"}, labels: map[string]string{"status": "shelter.status."}},
	{key: "medical", tables: []string{"shelter_medical_checks"}, query: `SELECT m.check_type AS type, m.done_on, m.next_due, m.comment
		FROM shelter_medical_checks m WHERE m.client_id = $1 AND m.organisation_id = $2 AND m.deleted_at IS NULL
		ORDER BY m.done_on, m.id`, masked: []string{"comment"}},
	{key: "checkins", tables: []string{"checkin_visits", "checkin_persons"}, query: `SELECT v.visited_on, p.name AS point, COALESCE(i.name, '') AS item
		FROM checkin_visits v JOIN checkin_points p ON p.id = v.point_id LEFT JOIN checkin_items i ON i.id = v.item_id
		WHERE (v.client_id = $1 OR v.person_id IN (SELECT cp.id FROM checkin_persons cp WHERE cp.client_id = $1))
		AND v.organisation_id = $2 ORDER BY v.visited_on, v.id`},
	{key: "files", tables: []string{"files"}, query: `SELECT f.kind, f.name, f.size, f.created_at, f.comment
		FROM files f WHERE f.client_id = $1 AND f.organisation_id = $2 AND f.deleted_at IS NULL ORDER BY f.id`},
	{key: "families", tables: []string{"family_members", "families"}, query: `SELECT f.id AS family, m.role, m.joined_on, m.left_on,
		f.address, COALESCE(di.label, '') AS status, f.housing, f.income, f.health, f.offences
		FROM family_members m JOIN families f ON f.id = m.family_id LEFT JOIN dictionary_items di ON di.id = f.status_id
		WHERE m.client_id = $1 ORDER BY m.joined_on, m.id`, masked: []string{"housing", "income", "health", "offences"},
		labels: map[string]string{"role": "family.role."}},
	{key: "family_events", tables: []string{"family_events", "council_decisions", "council_entries"}, query: `SELECT e.at, e.kind, e.summary
		FROM family_events e WHERE e.family_id IN ` + personFamilies + ` ORDER BY e.at, e.id`, masked: []string{"summary"},
		labels: map[string]string{"kind": "family.event."}},
	{key: "assessments", tables: []string{"family_assessments"}, query: `SELECT a.assessed_on, a.total_score AS score, a.level_label AS level
		FROM family_assessments a WHERE a.family_id IN ` + personFamilies + ` AND a.status = 'completed' ORDER BY a.assessed_on, a.id`},
	{key: "visits", tables: []string{"family_visits"}, query: `SELECT v.visited_at, v.kind, v.observations, v.agreements
		FROM family_visits v WHERE v.family_id IN ` + personFamilies + ` ORDER BY v.visited_at, v.id`,
		masked: []string{"observations", "agreements"}, labels: map[string]string{"kind": "visit.kind."}},
	{key: "signals", tables: []string{"signals", "signal_children"}, query: `SELECT s.received_at, s.channel, s.description, s.address, s.status
		FROM signals s WHERE s.family_id IN ` + personFamilies + ` ORDER BY s.received_at, s.id`, masked: []string{"description"},
		labels: map[string]string{"channel": "signal.channel.", "status": "signal.status."}},
	{key: "life_events", tables: []string{"life_events"}, query: `SELECT e.occurred_on, e.kind, e.note, e.created_at
		FROM life_events e WHERE e.client_id = $1 AND e.organisation_id = $2 ORDER BY e.occurred_on, e.id`, masked: []string{"note"},
		labels: map[string]string{"kind": "life_event."}},
	{key: "screening", tables: []string{"screening_actions"}, query: `SELECT a.acted_on, a.outcome, a.comment
		FROM screening_actions a WHERE (a.client_id = $1 OR a.family_id IN ` + personFamilies + `) AND a.organisation_id = $2
		ORDER BY a.acted_on, a.id`, masked: []string{"comment"}, labels: map[string]string{"outcome": "screening.outcome."}},
	{key: "issued_documents", tables: []string{"issued_documents"}, query: `SELECT i.issued_on, i.number, i.title, i.voided_at
		FROM issued_documents i WHERE i.client_id = $1 AND i.organisation_id = $2 ORDER BY i.issued_on, i.id`},
	{key: "timeline", tables: []string{"client_events"}, query: `SELECT e.at, e.kind, e.summary FROM client_events e
		WHERE e.client_id = $1 AND e.organisation_id = $2 ORDER BY e.at, e.id`, masked: []string{"summary"},
		labels: map[string]string{"kind": "event."}},
	{key: "requests", tables: []string{"subject_requests"}, query: `SELECT r.received_on, r.kind, r.details, r.answered_on, r.answer
		FROM subject_requests r WHERE r.client_id = $1 AND r.organisation_id = $2 ORDER BY r.received_on, r.id`,
		labels: map[string]string{"kind": "privacy.kind."}},
}

// personExcluded are the tables with a client_id or family_id that the
// report does not read, and why.
var personExcluded = map[string]string{
	"active_client_months":  "derived counts for reports (numbers, no data about the person)",
	"client_answer_counts":  "derived counts for reports",
	"client_counts":         "derived counts for reports",
	"client_day_counts":     "derived counts for reports",
	"client_service_ranges": "derived dates of the services section, for reports",
	"clients":               "the profile: read as the report's head (PersonReport.Client)",
	"family_curators":       "the workers assigned to the family: shown as recipients",
	"family_views":          "when a worker last opened the family card: workers' data",
	"notifications":         "workers' notices; the events they tell of are in the tasks and timeline",
	"subject_grants":        "access given to an organisation: shown as recipients",
	"draft_plan_tasks":      "read with the tasks (the draft of the plan)",
	"council_attendance":    "the council's members: workers' data",
	"retention_due":         "the retention job's finding that the period ran out (dates, no data about the person)",
	"family_milestones":     "derived dates of the family's first signal, curator and tasks, for monitoring",
	"hint_feedback":         "workers' verdicts on the hints shown on the family card: workers' opinions of a hint",
	"hint_cases":            "the learned hints' derived profile of the family's case (indicator codes and outcomes), recomputed nightly",
	"import_rows":           "a hash of the spreadsheet row the client was imported from (no readable data; the import is on the timeline)",
	"import_problems":       "an import's report pointing at the client as a likely duplicate of a row: the organisation's file, not data about the person",
}

// PersonReport gathers everything the actor's organisation holds about a
// client, audit-logged as a print of the whole record. Needs
// privacy.manage within the client's scope.
func (s *Store) PersonReport(ctx context.Context, clientID int64) (*opora.PersonReport, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermPrivacyManage); err != nil {
		return nil, err
	}
	c, err := s.client(ctx, s.r, opora.PermPrivacyManage, clientID)
	if err != nil {
		return nil, err
	}
	if c.MergedInto != 0 {
		return nil, opora.ErrNotFound
	}
	rep := &opora.PersonReport{Client: c, MadeAt: s.Now(), MadeBy: a.FullName}
	if err := s.r.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, c.OrganisationID).Scan(&rep.Organisation); err != nil {
		return nil, fmt.Errorf("store: person report: %w", err)
	}
	others, err := s.personOthers(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, src := range personSources {
		sec, err := s.personSection(ctx, src, c, others)
		if err != nil {
			return nil, err
		}
		if len(sec.Rows) > 0 {
			rep.Sections = append(rep.Sections, sec)
		}
	}
	if rep.Views, err = s.personViews(ctx, c); err != nil {
		return nil, err
	}
	if rep.Recipients, err = s.personRecipients(ctx, c); err != nil {
		return nil, err
	}
	// The bases of processing: the consents in force and the legal bases
	// the organisation keeps special categories on (issue 22 items 1, 2).
	consents, err := clientConsents(ctx, s.r, c.ID)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	for _, cs := range consents {
		if cs.Status(today) == opora.ConsentActive {
			rep.Bases = append(rep.Bases, "consent:"+cs.From.Format("02.01.2006"))
		}
	}
	in, err := loadBasisInputs(ctx, s.r, c.OrganisationID)
	if err != nil {
		return nil, err
	}
	titles, err := s.legalBasisTitles(ctx, s.r)
	if err != nil {
		return nil, err
	}
	for _, cat := range opora.DataCategories {
		if code := opora.LegalBasisFor(in.cells, cat, in.orgType, false); code != "" && cat.Sensitive() &&
			!slices.Contains(rep.Bases, titles[code]) {
			rep.Bases = append(rep.Bases, titles[code])
		}
	}
	if rep.Retention, err = s.personRetention(ctx, c); err != nil {
		return nil, err
	}
	if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionPrint, Entity: "client", EntityID: c.ID,
		Section: "person_report"}); err != nil {
		return nil, err
	}
	return rep, nil
}

// personOthers are the name words of the other people linked to the
// client — the other members of their families — to be masked.
func (s *Store) personOthers(ctx context.Context, c *opora.Client) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT o.surname, o.first_name, o.patronymic
		FROM family_members m JOIN family_members om ON om.family_id = m.family_id AND om.client_id <> m.client_id
		JOIN clients o ON o.id = om.client_id WHERE m.client_id = $1`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("store: person report others: %w", err)
	}
	defer rows.Close()
	own := map[string]bool{}
	for _, w := range opora.NameWords(c.Surname, c.FirstName, c.Patronymic) {
		own[w] = true
	}
	out := map[string]bool{}
	for rows.Next() {
		var sn, fn, pn string
		if err := rows.Scan(&sn, &fn, &pn); err != nil {
			return nil, fmt.Errorf("store: person report others: %w", err)
		}
		for _, w := range opora.NameWords(sn, fn, pn) {
			if !own[w] { // the person's own name stays
				out[w] = true
			}
		}
	}
	return out, rows.Err()
}

// personSection runs one source.
func (s *Store) personSection(ctx context.Context, src personSource, c *opora.Client, others map[string]bool) (*opora.PersonSection, error) {
	args := []any{c.ID}
	if strings.Contains(src.query, "$2") { // PostgreSQL wants no argument the query does not use
		args = append(args, c.OrganisationID)
	}
	rows, err := s.r.QueryContext(ctx, src.query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: person report %s: %w", src.key, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("store: person report %s: %w", src.key, err)
	}
	sec := &opora.PersonSection{Key: src.key, Columns: cols, Labels: src.labels}
	mask := make([]bool, len(cols))
	for i, col := range cols {
		for _, m := range src.masked {
			mask[i] = mask[i] || m == col
		}
	}
	vals := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: person report %s: %w", src.key, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = personText(v)
			if mask[i] {
				row[i] = opora.MaskNames(row[i], others)
			}
		}
		sec.Rows = append(sec.Rows, row)
	}
	return sec, rows.Err()
}

// personText is a column's value as text: dates as dd.mm.yyyy, times with
// the minutes (UTC), nothing for NULL.
func personText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return personTime(x)
	case []byte:
		return personString(string(x))
	case string:
		return personString(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

func personTime(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("02.01.2006")
	}
	return t.Format("02.01.2006 15:04")
}

// personString reads a date or time SQLite gives as text.
func personString(s string) string {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return personTime(t)
			}
		}
	}
	return s
}

// personViews is the audit log of the client's record.
func (s *Store) personViews(ctx context.Context, c *opora.Client) ([]*opora.PersonView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.at, COALESCE(u.full_name, ''), COALESCE(o.name, ''), a.action, a.section
		FROM audit_log a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN organisations o ON o.id = a.organisation_id
		WHERE a.entity = 'client' AND a.entity_id = $1 ORDER BY a.at, a.id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("store: person report views: %w", err)
	}
	defer rows.Close()
	var out []*opora.PersonView
	for rows.Next() {
		v := &opora.PersonView{}
		var at sql.NullTime
		if err := rows.Scan(&at, &v.User, &v.Organisation, &v.Action, &v.Section); err != nil {
			return nil, fmt.Errorf("store: person report views: %w", err)
		}
		v.At = timeOf(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// personRecipients are the other organisations that see the person's data:
// agencies with a task of the person or their family, the family's
// curators' and holders' organisations, organisations granted access.
func (s *Store) personRecipients(ctx context.Context, c *opora.Client) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT o.name FROM organisations o WHERE o.id <> $2 AND o.id IN (
		SELECT t.responsible_org_id FROM case_tasks t WHERE t.client_id = $1 OR t.family_id IN `+personFamilies+`
		UNION SELECT f.organisation_id FROM families f WHERE f.id IN `+personFamilies+`
		UNION SELECT f.curator_org_id FROM families f WHERE f.id IN `+personFamilies+`
		UNION SELECT fc.organisation_id FROM family_curators fc WHERE fc.family_id IN `+personFamilies+`
		UNION SELECT g.organisation_id FROM subject_grants g WHERE g.subject_type = 'family' AND g.subject_id IN `+personFamilies+`
		UNION SELECT cp.organisation_id FROM case_participants cp JOIN cases k ON k.id = cp.case_id WHERE k.client_id = $1)`,
		c.ID, c.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: person report recipients: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: person report recipients: %w", err)
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// personTables lists the tables the report reads, for the coverage test.
func personTables() map[string]bool {
	out := map[string]bool{}
	for _, src := range personSources {
		for _, t := range src.tables {
			out[t] = true
		}
	}
	return out
}

// The register of persons' requests.

// CreateSubjectRequest registers a request; the deadline is ten working
// days after it came. Needs privacy.manage; the client, if given, must be
// within the actor's scope.
func (s *Store) CreateSubjectRequest(ctx context.Context, r *opora.SubjectRequest) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermPrivacyManage); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(s.Today()); err != nil {
		return err
	}
	if r.ClientID != 0 {
		if _, err := s.client(ctx, s.r, opora.PermPrivacyManage, r.ClientID); err != nil {
			return &opora.Error{Code: opora.EINVALID, Message: "error.invalid", Fields: map[string]string{"client": "error.invalid_choice"}}
		}
	}
	r.OrganisationID, r.CreatedBy, r.CreatedAt = a.OrganisationID, a.UserID, s.Now()
	r.DueOn = opora.AddWorkingDays(r.ReceivedOn, opora.SubjectRequestDays)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO subject_requests (organisation_id, client_id, requester, kind, received_on,
			due_on, details, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			r.OrganisationID, nullID(r.ClientID), r.Requester, r.Kind, r.ReceivedOn, r.DueOn, r.Details, r.CreatedBy, r.CreatedAt).Scan(&r.ID); err != nil {
			return fmt.Errorf("store: subject request: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "subject_request", EntityID: r.ID,
			Section: r.Kind})
	})
}

// AnswerSubjectRequest records the reply to an open request.
func (s *Store) AnswerSubjectRequest(ctx context.Context, id int64, answeredOn opora.Date, answer string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermPrivacyManage); err != nil {
		return err
	}
	answer = strings.TrimSpace(strings.ReplaceAll(answer, "\r\n", "\n"))
	return s.tx(ctx, func(tx *sql.Tx) error {
		r, err := s.subjectRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		var v opora.Validation
		if !r.Open() {
			v.Add("answer", "privacy.error.answered")
		}
		if answer == "" {
			v.Add("answer", "error.required")
		}
		if answeredOn.IsZero() {
			v.Add("answered_on", "error.date")
		} else if answeredOn.After(s.Today()) {
			v.Add("answered_on", "error.date_future")
		} else if answeredOn.Before(r.ReceivedOn) {
			v.Add("answered_on", "privacy.error.answer_before")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subject_requests SET answered_on = $1, answer = $2, answered_by = $3 WHERE id = $4`,
			answeredOn, answer, a.UserID, id); err != nil {
			return fmt.Errorf("store: answer subject request: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "subject_request", EntityID: id,
			Section: "answer"})
	})
}

const subjectRequestColumns = `r.id, r.organisation_id, COALESCE(r.client_id, 0), COALESCE(c.surname || ' ' || c.first_name, ''),
	r.requester, r.kind, r.received_on, r.due_on, r.details, r.answered_on, r.answer, COALESCE(r.answered_by, 0),
	COALESCE(u.full_name, ''), COALESCE(r.created_by, 0), r.created_at`

const subjectRequestFrom = ` FROM subject_requests r LEFT JOIN clients c ON c.id = r.client_id
	LEFT JOIN users u ON u.id = r.answered_by`

func scanSubjectRequest(sc interface{ Scan(...any) error }) (*opora.SubjectRequest, error) {
	r := &opora.SubjectRequest{}
	var received, due, answered, created sql.NullTime
	if err := sc.Scan(&r.ID, &r.OrganisationID, &r.ClientID, &r.ClientName, &r.Requester, &r.Kind, &received, &due, &r.Details,
		&answered, &r.Answer, &r.AnsweredBy, &r.AnsweredByName, &r.CreatedBy, &created); err != nil {
		return nil, err
	}
	r.ReceivedOn, r.DueOn, r.AnsweredOn = opora.DateOf(dateOf(received)), opora.DateOf(dateOf(due)), opora.DateOf(dateOf(answered))
	r.CreatedAt = timeOf(created)
	return r, nil
}

func (s *Store) subjectRequest(ctx context.Context, q queryer, id int64) (*opora.SubjectRequest, error) {
	a := opora.ActorFrom(ctx)
	r, err := scanSubjectRequest(q.QueryRowContext(ctx, `SELECT `+subjectRequestColumns+subjectRequestFrom+
		` WHERE r.id = $1 AND r.organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return r, nil
}

// SubjectRequest returns one request of the actor's organisation.
func (s *Store) SubjectRequest(ctx context.Context, id int64) (*opora.SubjectRequest, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermPrivacyManage); err != nil {
		return nil, err
	}
	return s.subjectRequest(ctx, s.r, id)
}

// SubjectRequests lists the organisation's requests: open ones first by
// deadline, then the answered ones, newest first.
func (s *Store) SubjectRequests(ctx context.Context) ([]*opora.SubjectRequest, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermPrivacyManage); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+subjectRequestColumns+subjectRequestFrom+` WHERE r.organisation_id = $1
		ORDER BY CASE WHEN r.answered_on IS NULL THEN 0 ELSE 1 END, CASE WHEN r.answered_on IS NULL THEN r.due_on END,
		r.received_on DESC, r.id DESC`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: subject requests: %w", err)
	}
	defer rows.Close()
	var out []*opora.SubjectRequest
	for rows.Next() {
		r, err := scanSubjectRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("store: subject requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// personRetention names the organisation's active retention rules and,
// when the person is due, since when (lines as the report prints them).
func (s *Store) personRetention(ctx context.Context, c *opora.Client) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM retention_rules WHERE organisation_id = $1 AND active ORDER BY id`, c.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: person report retention: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: person report retention: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var due any
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(due_since) FROM retention_due WHERE client_id = $1`, c.ID).Scan(&due); err != nil {
		return nil, fmt.Errorf("store: person report retention: %w", err)
	}
	if d := dayOf(due); !d.IsZero() {
		out = append(out, "due:"+d.Format("02.01.2006"))
	}
	return out, nil
}
