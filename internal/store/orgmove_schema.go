package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Moving out (issue 24 item 6): which rows belong to an organisation is
// read from the schema, not from a list of tables. A table whose rows carry
// organisation_id belongs by that column; a table without it belongs
// through its foreign keys to such tables (a note's revisions through the
// note). Every table is either moved or excluded with its reason
// (moveExcluded), and every column that names another row without a
// foreign key is declared (moveImplicitRefs, moveNotRefs);
// TestOrgMoveCoversEveryTable fails for a new table or column that is
// neither, so the export cannot silently leave something behind.

// moveExcluded are the tables an organisation's export does not carry, and why.
var moveExcluded = map[string]string{
	"goose_db_version":             "the schema's own version; the manifest records it",
	"meta":                         "the instance's settings and one-time tokens",
	"search_state":                 "the instance's search key version",
	"dict_version":                 "cache invalidation counter of the instance",
	"auth_version":                 "cache invalidation counter of the instance",
	"form_version":                 "cache invalidation counter of the instance",
	"audit_log":                    "exported apart as audit.jsonl; the target keeps it as an archived file, not in its own hash chain",
	"audit_head":                   "the audit chain's head of the instance",
	"sessions":                     "credentials: logins do not move",
	"login_challenges":             "credentials: half-done two-factor logins",
	"user_recovery_codes":          "credentials: two-factor recovery codes",
	"api_tokens":                   "credentials: API token hashes; issue new tokens in the target",
	"webhooks":                     "credentials: webhook secrets; set the webhooks up again in the target",
	"webhook_deliveries":           "the delivery log of the webhooks that do not move",
	"file_removals":                "the instance's queue of file bytes to remove",
	"notifications":                "workers' notices of events; the events themselves move (tasks, signals)",
	"family_views":                 "when a worker last opened a family card: workers' reading marks",
	"generator_runs":               "the demo generator's bookkeeping",
	"retention_due":                "derived: the retention job finds the due records again on its next run",
	"name_words":                   "derived: the search's name-word dictionary, rebuilt from the imported clients",
	"name_word_grams":              "derived: the search's name-word dictionary, rebuilt from the imported clients",
	"service_counts":               "derived counts for reports, recounted on import",
	"service_type_counts":          "derived counts for reports, recounted on import",
	"visit_counts":                 "derived counts for reports, recounted on import",
	"client_counts":                "derived counts for reports, recounted on import",
	"client_day_counts":            "derived counts for reports, recounted on import",
	"client_answer_counts":         "derived counts for reports, recounted on import",
	"active_client_months":         "derived counts for reports, rebuilt on import",
	"client_service_ranges":        "derived dates for reports, rebuilt on import",
	"family_milestones":            "derived dates for monitoring, rebuilt on import",
	"hint_cases":                   "derived: the learned hints' profile of a case, recomputed by hints learn",
	"learned_hints":                "the region's learned hints, learned again from the target's cases",
	"learned_hints_off":            "the region's switched-off learned hints",
	"hint_rules":                   "the region's hint rules (network-wide, not the organisation's)",
	"legal_bases":                  "the instance's list of legal bases (the organisation's choices move in org_legal_bases)",
	"procedure_rules":              "the region's procedure rules (network-wide settings)",
	"signal_deadlines":             "the region's signal deadlines (network-wide settings)",
	"family_section_rules":         "the region's family card section rules (network-wide settings)",
	"family_access_settings":       "the region's family access settings (network-wide)",
	"territories":                  "the region's territories, shared by all organisations; referenced by kind and name",
	"resource_organizations":       "the region's resource map: moved with opora resources export/import (HSDS)",
	"resource_locations":           "the region's resource map (HSDS)",
	"resource_addresses":           "the region's resource map (HSDS)",
	"resource_services":            "the region's resource map (HSDS)",
	"resource_service_at_location": "the region's resource map (HSDS)",
	"resource_schedules":           "the region's resource map (HSDS)",
	"resource_contacts":            "the region's resource map (HSDS)",
	"resource_phones":              "the region's resource map (HSDS)",
	"resource_attributes":          "the region's resource map (HSDS)",
	"resource_taxonomy_terms":      "the region's resource map (HSDS)",
}

// moveImplicitRefs are columns that name a row of another table without a
// foreign key constraint: table.column → the table they point into.
var moveImplicitRefs = map[string]string{
	"files.client_id":               "clients",
	"files.type_id":                 "dictionary_items",
	"form_fields.show_if_option_id": "field_options",
	"answers.basis_consent_id":      "consents",
	"checkin_visits.item_id":        "checkin_items",
	"destructions.rule_id":          "retention_rules",
	"issued_documents.voided_by":    "users",
}

// movePolymorphic are columns whose table is named by a second column:
// table.column → (the type column, its value → table). A value the map
// does not know is treated as unresolved on import (emptied, or the row
// left out) and counted in the report.
var movePolymorphic = map[string]struct {
	by     string
	tables map[string]string
}{
	"cases.subject_id":          {"subject_type", map[string]string{"client": "clients", "family": "families"}},
	"subject_grants.subject_id": {"subject_type", map[string]string{"client": "clients", "family": "families"}},
	"client_events.entity_id": {"entity", map[string]string{"case": "cases", "checkin_visit": "checkin_visits",
		"client": "clients", "form": "forms", "note": "notes", "reminder": "reminders", "service": "services",
		"shelter_stay": "shelter_stays", "task": "case_tasks", "file": "files", "identity_document": "identity_documents",
		"consent": "consents", "import": "imports", "restriction": "restrictions", "life_event": "life_events",
		"issued_document": "issued_documents", "family": "families"}},
	// opora import mks's kinds (internal/mksimport); "questionnaire" maps
	// to the client whose answers they are.
	"import_map.opora_id": {"kind", map[string]string{"user": "users", "client": "clients", "questionnaire": "clients",
		"note": "notes", "service": "services", "document": "identity_documents", "case": "cases", "task": "case_tasks",
		"stay": "shelter_stays", "reminder": "reminders", "file": "files", "photo": "files"}},
}

// moveNotRefs are columns named like references that hold no row id.
var moveNotRefs = map[string]string{
	"identity_documents.issued_by":  "the authority that issued the document (text)",
	"checkin_visits.tick_id":        "the device's own id of an offline tick (text)",
	"import_map.ext_id":             "the id in the source system (МКС)",
	"resource_organizations.tax_id": "a tax number",
}

// moveCredentials are columns that never leave: credentials and login
// state (the target fills its defaults; users get an unusable password
// until one is set), and files.storage_key, where this instance keeps the
// bytes (the target stores them anew).
var moveCredentials = map[string][]string{
	"users":                 {"password_hash", "totp_secret", "totp_pending", "totp_last_step", "failed_logins", "locked_until", "last_login_at"},
	"notification_settings": {"smtp_password"},
	"files":                 {"storage_key"},
}

// moveFK is a reference from a column to a table's id.
type moveFK struct {
	col, parent string
	poly        string // the type column of a polymorphic reference
	implicit    bool   // no foreign key in this database: not ordered by
}

// moveColumn is a column of a moved table.
type moveColumn struct {
	name, kind string // kind: int, text, real, bool, time, bytes
	notNull    bool
}

// moveTable is one moved table.
type moveTable struct {
	name   string
	cols   []moveColumn
	hasID  bool
	owned  bool // carries organisation_id
	refs   []moveFK
	parent []moveFK // the references that make a row belong (children only)
}

// moveSchema is the database's moved tables in parent-first order.
type moveSchema struct {
	tables []*moveTable
	byName map[string]*moveTable
	all    []string // every table of the database
}

func moveKind(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int"), t == "serial", t == "bigserial":
		return "int"
	case strings.Contains(t, "bool"):
		return "bool"
	case strings.Contains(t, "timestamp"), strings.Contains(t, "datetime"), t == "date":
		return "time"
	case t == "real", strings.Contains(t, "double"), strings.Contains(t, "numeric"), t == "float":
		return "real"
	case t == "blob", t == "bytea":
		return "bytes"
	}
	return "text"
}

// sqliteInternal are SQLite's own and FTS5's tables (the search index is
// rebuilt by triggers as clients are inserted).
func sqliteInternal(t string) bool {
	return strings.HasPrefix(t, "sqlite_") || strings.HasPrefix(t, "clients_fts") || strings.HasPrefix(t, "clients_words")
}

// readMoveSchema reads the tables, columns and foreign keys of the database.
func readMoveSchema(ctx context.Context, q queryer, d Dialect) (*moveSchema, error) {
	var colQ, fkQ string
	if d == Postgres {
		colQ = `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO'
			FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			ORDER BY c.table_name, c.ordinal_position`
		fkQ = `SELECT cl.relname, a.attname, pcl.relname
			FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pcl ON pcl.oid = k.confrelid
			JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
			WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace
			ORDER BY 1, 2`
	} else {
		colQ = `SELECT m.name, p.name, p.type, p."notnull" OR p.pk > 0
			FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid`
		fkQ = `SELECT m.name, p."from", p."table" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p
			WHERE m.type = 'table' ORDER BY 1, 2`
	}
	sc := &moveSchema{byName: map[string]*moveTable{}}
	cols := map[string][]moveColumn{}
	rows, err := q.QueryContext(ctx, colQ)
	if err != nil {
		return nil, fmt.Errorf("store: move schema: %w", err)
	}
	for rows.Next() {
		var t, c, typ string
		var nn bool
		if err := rows.Scan(&t, &c, &typ, &nn); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: move schema: %w", err)
		}
		if d == SQLite && sqliteInternal(t) {
			continue
		}
		cols[t] = append(cols[t], moveColumn{name: c, kind: moveKind(typ), notNull: nn})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: move schema: %w", err)
	}
	fks := map[string][]moveFK{}
	rows, err = q.QueryContext(ctx, fkQ)
	if err != nil {
		return nil, fmt.Errorf("store: move schema: %w", err)
	}
	for rows.Next() {
		var t, c, p string
		if err := rows.Scan(&t, &c, &p); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: move schema: %w", err)
		}
		fks[t] = append(fks[t], moveFK{col: c, parent: p})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: move schema: %w", err)
	}
	for t := range cols {
		sc.all = append(sc.all, t)
	}
	sort.Strings(sc.all)
	for _, name := range sc.all {
		if _, ok := moveExcluded[name]; ok {
			continue
		}
		t := &moveTable{name: name}
		skip := moveCredentials[name]
		for _, c := range cols[name] {
			if slices.Contains(skip, c.name) {
				continue
			}
			t.cols = append(t.cols, c)
			switch c.name {
			case "id":
				t.hasID = true
			case "organisation_id":
				t.owned = true
			}
			if p, ok := moveImplicitRefs[name+"."+c.name]; ok && !slices.ContainsFunc(fks[name], func(f moveFK) bool { return f.col == c.name }) {
				// (PostgreSQL has a foreign key on some of them; SQLite,
				// whose ALTER TABLE added the column, has none.)
				t.refs = append(t.refs, moveFK{col: c.name, parent: p, implicit: true})
			}
			if p, ok := movePolymorphic[name+"."+c.name]; ok {
				t.refs = append(t.refs, moveFK{col: c.name, poly: p.by})
			}
		}
		for _, fk := range fks[name] {
			if fk.col == "organisation_id" && t.owned {
				continue // the organisation itself: mapped apart
			}
			t.refs = append(t.refs, fk)
		}
		sc.byName[name] = t
	}
	// Which tables belong: organisations (the one row), the tables with
	// organisation_id, then tables with a foreign key into belonging ones,
	// until nothing changes. A child's belonging references leave out
	// users and organisations when it has others (a family member belongs
	// through the family, not through the school's organisation).
	belongs := map[string]bool{"organisations": true}
	for name, t := range sc.byName {
		if t.owned {
			belongs[name] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, name := range sc.all {
			t := sc.byName[name]
			if t == nil || belongs[name] {
				continue
			}
			var strong, weak []moveFK
			for _, r := range t.refs {
				if r.poly != "" || !belongs[r.parent] || r.parent == name {
					continue
				}
				if r.parent == "users" || r.parent == "organisations" {
					weak = append(weak, r)
				} else {
					strong = append(strong, r)
				}
			}
			if len(strong) == 0 {
				strong = weak
			}
			if len(strong) > 0 {
				t.parent, belongs[name] = strong, true
				changed = true
			}
		}
	}
	for name := range sc.byName {
		if !belongs[name] {
			delete(sc.byName, name)
		}
	}
	// Parent-first order over the foreign keys among moved tables
	// (self-references are written in a second pass).
	done := map[string]bool{}
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		if done[name] {
			return nil
		}
		if slices.Contains(path, name) {
			return fmt.Errorf("store: move schema: a cycle of foreign keys: %s", strings.Join(append(path, name), " → "))
		}
		t := sc.byName[name]
		if t.owned && name != "organisations" {
			if err := visit("organisations", append(path, name)); err != nil {
				return err
			}
		}
		for _, r := range t.refs {
			if r.poly != "" || r.parent == name || sc.byName[r.parent] == nil {
				continue
			}
			if r.implicit {
				continue // not enforced by the database: no order needed
			}
			if err := visit(r.parent, append(path, name)); err != nil {
				return err
			}
		}
		done[name] = true
		sc.tables = append(sc.tables, t)
		return nil
	}
	names := make([]string, 0, len(sc.byName))
	for n := range sc.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// where is the condition selecting the organisation's rows of t ($1 is the
// organisation's id).
func (sc *moveSchema) where(t *moveTable, depth int) string {
	switch {
	case t.name == "organisations":
		return "id = $1"
	case t.owned:
		return "organisation_id = $1"
	case depth > 8:
		return "1 = 0"
	}
	var ors []string
	for _, p := range t.parent {
		pt := sc.byName[p.parent]
		ors = append(ors, p.col+" IN (SELECT id FROM "+pt.name+" WHERE "+sc.where(pt, depth+1)+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// orderBy is a stable order of t's rows: by id, or by every column.
func (t *moveTable) orderBy() string {
	if t.hasID {
		return "id"
	}
	var cs []string
	for _, c := range t.cols {
		cs = append(cs, c.name)
	}
	return strings.Join(cs, ", ")
}
