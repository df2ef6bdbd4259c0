package store_test

import (
	"database/sql"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// Schema tests: the two migration folders build the same database, every
// table of a client's rows is moved by a merge, and every table a cache
// reads raises the cache's counter. Each reads the migrated database's own
// catalog, so a table, column, index or trigger forgotten in one place
// fails here.

// column is a column as both catalogs can describe it.
type column struct {
	kind    string // loose type: int, text, real, bool, time, date, bytes
	notNull bool
}

// index is an index made by CREATE INDEX.
type index struct {
	table  string
	unique bool
}

// schema is a migrated database's tables (column name → column) and
// indexes by name.
type schema struct {
	tables  map[string]map[string]column
	indexes map[string]index
}

// sqliteOnly are SQLite's full-text tables (FTS5) and the tables FTS5
// keeps for each; PostgreSQL answers the same searches from trigram and
// text-search indexes on clients (see pgOnlyIndexes). goose_db_version is
// goose's own, declared by goose for each dialect.
var sqliteOnly = regexp.MustCompile(`^(clients_fts|clients_words)(_(data|idx|content|docsize|config))?$`)

// pgOnlyIndexes do on PostgreSQL what the FTS5 tables do on SQLite.
var pgOnlyIndexes = map[string]bool{"clients_search_key_trgm": true, "clients_search_words": true}

// looseKind maps a declared type of either dialect to a kind both share.
func looseKind(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int"), t == "serial", t == "bigserial":
		return "int"
	case strings.Contains(t, "bool"):
		return "bool"
	case strings.Contains(t, "timestamp"), strings.Contains(t, "datetime"):
		return "time"
	case t == "date":
		return "date"
	case strings.Contains(t, "char"), t == "text", t == "":
		return "text"
	case t == "real", strings.Contains(t, "double"), strings.Contains(t, "numeric"), t == "float":
		return "real"
	case t == "blob", t == "bytea":
		return "bytes"
	}
	return t
}

func readSchema(t *testing.T, s *store.Store) schema {
	t.Helper()
	db := storetest.RawDB(t, s)
	sc := schema{tables: map[string]map[string]column{}, indexes: map[string]index{}}
	add := func(table, col, typ string, notNull bool) {
		if sc.tables[table] == nil {
			sc.tables[table] = map[string]column{}
		}
		sc.tables[table][col] = column{kind: looseKind(typ), notNull: notNull}
	}
	var colRows, idxRows *sql.Rows
	var err error
	if storetest.Options(t, s).IsPostgres() {
		colRows, err = db.Query(`SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO'
			FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
		if err == nil {
			// Indexes made by CREATE INDEX, not those behind a primary key
			// or UNIQUE constraint (SQLite names those itself).
			idxRows, err = db.Query(`SELECT indexname, tablename, indexdef LIKE 'CREATE UNIQUE %' FROM pg_indexes
				WHERE schemaname = current_schema() AND indexname NOT IN
				(SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`)
		}
	} else {
		colRows, err = db.Query(`SELECT m.name, p.name, p.type, p."notnull" OR p.pk > 0
			FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
		if err == nil {
			idxRows, err = db.Query(`SELECT name, tbl_name, sql LIKE 'CREATE UNIQUE %' FROM sqlite_master
				WHERE type = 'index' AND sql IS NOT NULL`)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer colRows.Close()
	for colRows.Next() {
		var table, col, typ string
		var notNull bool
		if err := colRows.Scan(&table, &col, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		if !sqliteOnly.MatchString(table) && table != "goose_db_version" {
			add(table, col, typ, notNull)
		}
	}
	if err := colRows.Err(); err != nil {
		t.Fatal(err)
	}
	defer idxRows.Close()
	for idxRows.Next() {
		var name, table string
		var unique bool
		if err := idxRows.Scan(&name, &table, &unique); err != nil {
			t.Fatal(err)
		}
		if !sqliteOnly.MatchString(table) && !pgOnlyIndexes[name] {
			sc.indexes[name] = index{table: table, unique: unique}
		}
	}
	if err := idxRows.Err(); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestMigrationsSameSchema: SQLite and PostgreSQL have the same tables,
// the same columns of loosely the same type and nullability, and the same
// named indexes on the same tables.
func TestMigrationsSameSchema(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	lite, pg := readSchema(t, storetest.Open(t, store.SQLite)), readSchema(t, storetest.Open(t, store.Postgres))
	for _, table := range slices.Sorted(maps.Keys(lite.tables)) {
		if pg.tables[table] == nil {
			t.Errorf("table %s is only in the SQLite migrations", table)
			continue
		}
		for _, col := range slices.Sorted(maps.Keys(lite.tables[table])) {
			l, ok := lite.tables[table][col]
			p, found := pg.tables[table][col]
			switch {
			case !found:
				t.Errorf("column %s.%s is only in the SQLite migrations", table, col)
			case !ok:
			case l.kind != p.kind && !(l.kind == "int" && p.kind == "bool"):
				t.Errorf("column %s.%s: %s on SQLite, %s on PostgreSQL", table, col, l.kind, p.kind)
			case l.notNull != p.notNull:
				t.Errorf("column %s.%s: NOT NULL %v on SQLite, %v on PostgreSQL", table, col, l.notNull, p.notNull)
			}
		}
	}
	for _, table := range slices.Sorted(maps.Keys(pg.tables)) {
		if lite.tables[table] == nil {
			t.Errorf("table %s is only in the PostgreSQL migrations", table)
			continue
		}
		for _, col := range slices.Sorted(maps.Keys(pg.tables[table])) {
			if _, ok := lite.tables[table][col]; !ok {
				t.Errorf("column %s.%s is only in the PostgreSQL migrations", table, col)
			}
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(lite.indexes)) {
		if p, ok := pg.indexes[idx]; !ok {
			t.Errorf("index %s (on %s) is only in the SQLite migrations", idx, lite.indexes[idx].table)
		} else if p != lite.indexes[idx] {
			t.Errorf("index %s: %+v on SQLite, %+v on PostgreSQL", idx, lite.indexes[idx], p)
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(pg.indexes)) {
		if _, ok := lite.indexes[idx]; !ok {
			t.Errorf("index %s (on %s) is only in the PostgreSQL migrations", idx, pg.indexes[idx].table)
		}
	}
}

// mergeKeeps are tables with a client_id whose rows of a merged-away
// client stay where they are, and why. Every other such table must be
// moved by MergeClients (mergeTables or a mergeSteps function).
var mergeKeeps = map[string]string{
	// None today: every client's row moves to the survivor.
}

// clientTables lists the tables with a client_id column.
func clientTables(sc schema) []string {
	var out []string
	for table, cols := range sc.tables {
		if _, ok := cols["client_id"]; ok {
			out = append(out, table)
		}
	}
	slices.Sort(out)
	return out
}

// TestMergeMovesEveryClientTable gives a client a row in every table with
// a client_id column, merges the client into another, and checks that no
// row is left on the merged-away client. A new table with a client_id
// fails here until this fixture makes a row of it and the merge moves it
// (or mergeKeeps says why it stays).
func TestMergeMovesEveryClientTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		a := addClient(t, s, ctx, fx.Branch.ID, "Слияний", "Пётр", "", "01.02.1975")
		b := addClient(t, s, ctx, fx.Branch.ID, "Слияний", "Петр", "", "01.02.1975")
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		// The questionnaire, a filling of the follow-up form.
		edu, school, _ := questionnaireField(t, s, fx.Org.ID, "Образование", "")
		answer(t, s, fx.Org.ID, b.ID, edu, school)
		forms, err := s.Forms(ctx)
		must(err)
		form := forms[len(forms)-1]
		blank, err := s.BlankFilling(ctx, b.ID, form.ID)
		must(err)
		answers := map[int64][]string{}
		for _, f := range blank.Form.Fields() {
			if f.Required && len(f.Options) > 0 {
				answers[f.ID] = []string{idStr(f.Options[0].ID)}
			}
		}
		_, err = s.CreateFilling(ctx, b.ID, form.ID, s.Today(), answers)
		must(err)
		// Notes, restrictions, reminders, documents, a photo.
		must(s.CreateNote(ctx, &opora.Note{ClientID: b.ID, Body: "Записка"}))
		must(s.CreateRestriction(ctx, &opora.Restriction{ClientID: b.ID, Kind: opora.RestrictionBan, Description: "Без приюта",
			StartsOn: s.Today()}))
		must(s.CreateReminder(ctx, &opora.Reminder{ClientID: b.ID, DueOn: s.Today(), Body: "Позвонить", ForAll: true}))
		passport := &opora.DictionaryItem{Dictionary: opora.DictDocumentType, Label: "Паспорт"}
		must(s.SaveDictionaryItem(ctx, passport))
		must(s.CreateIdentityDocument(ctx, &opora.IdentityDocument{ClientID: b.ID, TypeID: passport.ID, Number: "123456"}))
		must(s.RecordConsent(ctx, &opora.Consent{ClientID: b.ID, From: s.Today(), TakenBy: fx.Admin.ID,
			Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{opora.CategoryOrdinary}}))
		must(s.SetClientPhoto(ctx, b.ID, testFile("merge/photo"), testFile("merge/thumb")))
		// A service (and with it the active months and service ranges).
		types, err := s.ServiceTypes(ctx, true)
		must(err)
		must(s.RecordServices(ctx, b.ID, s.Today(), []*opora.Service{{TypeID: types[0].ID, Quantity: 1}}))
		// A case with a task.
		caseTypes, err := s.CaseDictionary(ctx, opora.DictCaseType, false)
		must(err)
		taskTypes, err := s.CaseDictionary(ctx, opora.DictTaskType, false)
		must(err)
		k := &opora.Case{ClientID: b.ID, TypeID: caseTypes[0].ID, CuratorID: fx.Admin.ID, OpenedOn: s.Today()}
		must(s.CreateCase(ctx, k, 0))
		must(s.AddTask(ctx, &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, ResponsibleID: fx.Admin.ID,
			DueOn: s.Today().AddDate(0, 0, 7)}))
		// A shelter stay and a medical check.
		room := shelterRoom(t, s, fx, "Комната", 2)
		must(s.CheckIn(ctx, &opora.Stay{ClientID: b.ID, RoomID: room.ID, CheckIn: s.Today()}))
		must(s.AddMedicalCheck(ctx, &opora.MedicalCheck{ClientID: b.ID, Type: opora.CheckTyphus, DoneOn: s.Today()}))
		// A check-in visit (and with it the check-in person).
		duty, sh, _, _ := checkinSetup(t, s, fx)
		_, _, err = s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: "c" + idStr(b.ID)}})
		must(err)

		// A family membership (an actor of the NGO with family.write).
		fa := *fx.Actor
		fa.Perms = maps.Clone(fa.Perms)
		fa.Perms[opora.PermFamilyWrite] = opora.ScopeOrganisation
		must(s.CreateFamily(opora.WithActor(ctx, &fa), &opora.Family{Members: []*opora.FamilyMember{{ClientID: b.ID, Role: opora.RoleMother}}}))

		// A person's request about their data.
		must(s.CreateSubjectRequest(ctx, &opora.SubjectRequest{ClientID: b.ID, Requester: "Сама", Kind: "access", ReceivedOn: s.Today()}))

		db := storetest.RawDB(t, s)
		// The daily retention listing found the client due.
		rule := &opora.RetentionRule{Name: "Удалённые", Trigger: opora.TriggerClientDeleted, Amount: 30, Unit: opora.UnitDays,
			Action: opora.ActionDestroy, Active: true}
		must(s.SaveRetentionRule(ctx, rule))
		if _, err := db.Exec(`INSERT INTO retention_due (client_id, organisation_id, rule_id, trigger_day, due_since, found_at)
			VALUES ($1, $2, $3, $4, $4, $5)`, b.ID, fx.Org.ID, rule.ID, s.Today(), s.Now()); err != nil {
			t.Fatal(err)
		}
		// A document issued to the person (doctemplate.go).
		if _, err := db.Exec(`INSERT INTO issued_documents (organisation_id, client_id, title, year, seq, number, body, issued_on, created_at)
			VALUES ($1, $2, 'Справка', 2026, 1, 'исх. № 1/2026', 'текст', $3, $4)`, fx.Org.ID, b.ID, s.Today(), s.Now()); err != nil {
			t.Fatal(err)
		}
		// A life event and a screening action about the person.
		if _, err := db.Exec(`INSERT INTO life_events (organisation_id, client_id, kind, occurred_on, created_at)
			VALUES ($1, $2, 'divorce', $3, $4)`, fx.Org.ID, b.ID, s.Today(), s.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO screening_actions (organisation_id, client_id, outcome, acted_on, created_at)
			VALUES ($1, $2, 'contacted', $3, $4)`, fx.Org.ID, b.ID, s.Today(), s.Now()); err != nil {
			t.Fatal(err)
		}
		// The spreadsheet row the person was imported from, and a dry run
		// that found them a likely duplicate.
		var importID int64
		if err := db.QueryRow(`INSERT INTO imports (organisation_id, file_name, file_hash, created_at, updated_at)
			VALUES ($1, 'cards.csv', 'x', $2, $2) RETURNING id`, fx.Org.ID, s.Now()).Scan(&importID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO import_rows (organisation_id, row_key, import_id, client_id) VALUES ($1, 'k', $2, $3)`,
			fx.Org.ID, importID, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO import_problems (import_id, row_no, message, client_id) VALUES ($1, 2, 'import.duplicate', $2)`,
			importID, b.ID); err != nil {
			t.Fatal(err)
		}
		rowsOf := func(table string, client int64) int {
			t.Helper()
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE client_id = $1`, client).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		tables := clientTables(readSchema(t, s))
		for _, table := range tables {
			if rowsOf(table, b.ID) == 0 {
				t.Errorf("the merge fixture has no row of %s: make one above, and move the table in a merge "+
					"(mergeTables or mergeSteps in store/merge.go) or say in mergeKeeps why it stays", table)
			}
		}
		must(s.MergeClients(ctx, a.ID, b.ID))
		for _, table := range tables {
			if why, kept := mergeKeeps[table]; kept {
				if why == "" {
					t.Errorf("mergeKeeps[%s] gives no reason", table)
				}
				continue
			}
			if n := rowsOf(table, b.ID); n != 0 {
				t.Errorf("%d rows of %s are left on the merged-away client: add the table to mergeTables or mergeSteps (store/merge.go)", n, table)
			}
		}
		for table := range mergeKeeps {
			if !slices.Contains(tables, table) {
				t.Errorf("mergeKeeps names %s, which has no client_id column", table)
			}
		}
	})
}

// counterTrigger is what a table's triggers do to one change counter.
type counterTrigger struct {
	events map[string]bool // INSERT, UPDATE, DELETE (and TRUNCATE on PostgreSQL)
	// weak names a trigger that would miss changes: per row or not
	// ENABLE ALWAYS on PostgreSQL, or limited to some columns.
	weak []string
}

var (
	sqliteTrigger   = regexp.MustCompile(`(?is)^CREATE TRIGGER\s+(\S+)\s+AFTER\s+(INSERT|UPDATE|DELETE)\s+(OF\s+.*?\s+)?ON\s+(\S+)\s.*\bUPDATE\s+(\w+_version)\s+SET\b`)
	pgTriggerEvents = regexp.MustCompile(`(?is)\sAFTER\s+(.*?)\s+ON\s`)
	pgCounter       = regexp.MustCompile(`(?is)\bUPDATE\s+(\w+_version)\s+SET\b`)
)

// counterTriggers reads from the catalog which tables' triggers raise which
// change counter, on which events: table → counter → trigger.
func counterTriggers(t *testing.T, s *store.Store) map[string]map[string]*counterTrigger {
	t.Helper()
	db := storetest.RawDB(t, s)
	out := map[string]map[string]*counterTrigger{}
	get := func(table, counter string) *counterTrigger {
		if out[table] == nil {
			out[table] = map[string]*counterTrigger{}
		}
		if out[table][counter] == nil {
			out[table][counter] = &counterTrigger{events: map[string]bool{}}
		}
		return out[table][counter]
	}
	if storetest.Options(t, s).IsPostgres() {
		rows, err := db.Query(`SELECT c.relname, tg.tgname, pg_get_triggerdef(tg.oid), tg.tgenabled, p.prosrc
			FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_proc p ON p.oid = tg.tgfoid
			WHERE c.relnamespace = current_schema()::regnamespace AND NOT tg.tgisinternal`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var table, name, def, enabled, body string
			if err := rows.Scan(&table, &name, &def, &enabled, &body); err != nil {
				t.Fatal(err)
			}
			counter, events := pgCounter.FindStringSubmatch(body), pgTriggerEvents.FindStringSubmatch(def)
			if counter == nil || events == nil {
				continue
			}
			ct := get(table, counter[1])
			for _, e := range strings.Split(events[1], " OR ") {
				ct.events[strings.ToUpper(strings.TrimSpace(e))] = true
			}
			if enabled != "A" || !strings.Contains(def, "FOR EACH STATEMENT") || strings.Contains(def, " OF ") {
				ct.weak = append(ct.weak, name)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	rows, err := db.Query(`SELECT sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			t.Fatal(err)
		}
		m := sqliteTrigger.FindStringSubmatch(def)
		if m == nil {
			continue
		}
		ct := get(m[4], m[5])
		ct.events[strings.ToUpper(m[2])] = true
		if m[3] != "" {
			ct.weak = append(ct.weak, m[1])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCachedTablesRaiseTheirCounter loads every per-process cache on a
// store that has not cached anything yet, finds the tables those loads
// read, and checks that each has triggers raising the cache's counter on
// every kind of change (PostgreSQL: per statement, TRUNCATE too, ENABLE
// ALWAYS for bulk loads). A cache that starts reading a new table fails
// here until both migration folders give the table its triggers.
func TestCachedTablesRaiseTheirCounter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		sc := readSchema(t, s)
		triggers := counterTriggers(t, s)
		fresh := storetest.OpenOptions(t, storetest.Options(t, s))
		loads, err := fresh.CacheLoads(fx.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		words := regexp.MustCompile(`[a-z_][a-z0-9_]*`)
		want := []string{"INSERT", "UPDATE", "DELETE"}
		if storetest.Options(t, s).IsPostgres() {
			want = append(want, "TRUNCATE")
		}
		for _, counter := range slices.Sorted(maps.Keys(loads)) {
			read := map[string]bool{}
			for _, q := range loads[counter] {
				for _, w := range words.FindAllString(strings.ToLower(q), -1) {
					if sc.tables[w] != nil && !strings.HasSuffix(w, "_version") {
						read[w] = true
					}
				}
			}
			if len(read) == 0 {
				t.Errorf("the %s caches read no table", counter)
			}
			for _, table := range slices.Sorted(maps.Keys(read)) {
				ct := triggers[table][counter]
				if ct == nil {
					t.Errorf("%s feeds a cache tagged with %s but has no trigger raising it", table, counter)
					continue
				}
				for _, e := range want {
					if !ct.events[e] {
						t.Errorf("%s: no trigger raises %s on %s", table, counter, e)
					}
				}
				if len(ct.weak) > 0 {
					t.Errorf("%s: triggers %v would miss changes (per row, not ENABLE ALWAYS, or only some columns)", table, ct.weak)
				}
			}
			t.Logf("%s: %v", counter, slices.Sorted(maps.Keys(read)))
		}
	})
}

// familyMergeKeeps are tables with a family_id whose rows of a card joined
// into another stay where they are, and why. Every other such table must
// be moved by MergeFamilies (familyMergeTables or a familyMergeSteps
// function in store/family_join.go).
var familyMergeKeeps = map[string]string{
	// None today: every row of a joined card moves to the survivor.
}

// familySubjectTables are the tables that name a family by subject_type
// 'family' and subject_id; MergeFamilies moves them too.
var familySubjectTables = []string{"cases", "subject_grants"}

// familyTables lists the tables with a family_id column.
func familyTables(sc schema) []string {
	var out []string
	for table, cols := range sc.tables {
		if _, ok := cols["family_id"]; ok {
			out = append(out, table)
		}
	}
	slices.Sort(out)
	return out
}

// TestMergeFamiliesMovesEveryFamilyTable gives a family card a row in every
// table with a family_id column (and a case and a grant, which name it as
// their subject), joins the card into another, and checks that no row is
// left on the joined card. A new table with a family_id fails here until
// this fixture makes a row of it and MergeFamilies moves it (or
// familyMergeKeeps says why it stays).
func TestMergeFamiliesMovesEveryFamilyTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		// The merged-away card: members, a grant, a curator (the curator
		// history, the case), an assessment, a draft task, a visit; the
		// timeline has lines of all of them.
		n, from, curator := assessedFamily(t, s)
		x := blankDefault(t, s, curator, from.ID)
		x.Answers = answersByScore(t, x.Def, nil, 1)
		must(s.SaveAssessment(curator, x, true))
		taskTypes, err := s.CaseDictionary(curator, opora.DictTaskType, false)
		must(err)
		must(s.SaveDraftTask(curator, &opora.DraftTask{FamilyID: from.ID, TypeID: taskTypes[0].ID, What: "Помочь"}))
		n.school.AddUser(t, "merge-school-head", "agency_head") // told of the task: a notification
		must(s.AddFamilyTask(curator, from.ID, &opora.Task{TypeID: taskTypes[0].ID, Description: "Место в саду",
			ResponsibleOrg: n.school.Org.ID, DueOn: s.Today().AddDays(7)}))
		_, err = s.RecordVisits(curator, []*opora.FamilyVisit{{ClientUUID: visitUUID(t), FamilyID: from.ID,
			VisitedAt: s.Now().Add(-time.Hour), Kind: opora.VisitHome, Observations: "Дома"}})
		must(err)
		_, err = s.ViewFamilyTasks(curator, from.ID) // a last look (family_views)
		must(err)
		db := storetest.RawDB(t, s)
		// A signal linked to the card (its triage is tested in signal_test.go;
		// this network has no municipalities to route one).
		terr := territoryOf(t, s, n)
		_, err = db.Exec(`INSERT INTO signals (organisation_id, territory_id, reporter_kind, received_at, channel, urgency,
			due_at, status, family_id, created_at) VALUES ($1, $2, 'anonymous', $3, 'phone', 'ordinary', $3, 'accepted', $4, $3)`,
			n.kdn.Org.ID, terr, s.Now(), from.ID)
		must(err)
		// A council decision about the card (council_test.go tests them).
		council := &opora.Council{Name: "Консилиум", TerritoryID: terr, Weekday: time.Tuesday, Weeks: []int{2, 4}}
		must(s.SaveCouncil(n.secretary, council))
		_, err = db.Exec(`INSERT INTO council_meetings (council_id, held_on, created_at, updated_at) VALUES ($1, $2, $3, $3)`,
			council.ID, s.Today(), s.Now())
		must(err)
		_, err = db.Exec(`INSERT INTO council_decisions (meeting_id, family_id, kind, created_at)
			SELECT id, $1, 'review', $2 FROM council_meetings WHERE council_id = $3`, from.ID, s.Now(), council.ID)
		must(err)
		_, err = db.Exec(`INSERT INTO council_entries (client_uuid, meeting_id, family_id, kind, state, created_at)
			SELECT '66666666-6666-4666-8666-666666666666', id, $1, 'review', 'held', $2 FROM council_meetings WHERE council_id = $3`,
			from.ID, s.Now(), council.ID)
		must(err)
		// A member's life event, a curator's verdict on a hint, a screening
		// action (hint_*_test.go and screening_test.go test them).
		_, err = db.Exec(`INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at)
			VALUES ($1, $2, $3, 'job_loss', $4, $5)`, n.kdn.Org.ID, from.Members[0].ClientID, from.ID, s.Today(), s.Now())
		must(err)
		_, err = db.Exec(`INSERT INTO issued_documents (organisation_id, client_id, family_id, title, year, seq, number, body, issued_on, created_at)
			VALUES ($1, $2, $3, 'Справка', 2026, 1, 'исх. № 1/2026', 'текст', $4, $5)`, n.kdn.Org.ID, from.Members[0].ClientID, from.ID, s.Today(), s.Now())
		must(err)
		_, err = db.Exec(`INSERT INTO hint_feedback (organisation_id, hint_kind, hint_ref, family_id, verdict, created_at)
			VALUES ($1, 'rule', '1', $2, 'useful', $3)`, n.kcson.Org.ID, from.ID, s.Now())
		must(err)
		_, err = db.Exec(`INSERT INTO screening_actions (organisation_id, family_id, outcome, acted_on, created_at)
			VALUES ($1, $2, 'offered', $3, $4)`, n.kdn.Org.ID, from.ID, s.Today(), s.Now())
		must(err)
		// The learned hints' profile of a case of the card (hint_learn.go).
		_, err = db.Exec(`INSERT INTO hint_cases (case_id, family_id, profile_on, crisis, improved, computed_at)
			VALUES (987654, $1, $2, 0, 0, $3)`, from.ID, s.Today(), s.Now())
		must(err)
		into := &opora.Family{Address: "ул. Мира, 1", Members: []*opora.FamilyMember{
			{Client: familyPerson("Петрова", "Ольга", "01.02.1990"), Role: opora.RoleMother}}}
		must(s.CreateFamily(n.secretary, into))

		rowsOf := func(table, where string, family int64) int {
			t.Helper()
			var c int
			if err := db.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE `+where, family).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		tables := familyTables(readSchema(t, s))
		for _, table := range tables {
			if rowsOf(table, "family_id = $1", from.ID) == 0 {
				t.Errorf("the join fixture has no row of %s: make one above, and move the table in MergeFamilies "+
					"(familyMergeTables or familyMergeSteps in store/family_join.go) or say in familyMergeKeeps why it stays", table)
			}
		}
		for _, table := range familySubjectTables {
			if rowsOf(table, "subject_type = 'family' AND subject_id = $1", from.ID) == 0 {
				t.Errorf("the join fixture has no row of %s", table)
			}
		}
		must(s.MergeFamilies(n.secretary, from.ID, into.ID))
		for _, table := range tables {
			if why, kept := familyMergeKeeps[table]; kept {
				if why == "" {
					t.Errorf("familyMergeKeeps[%s] gives no reason", table)
				}
				continue
			}
			if c := rowsOf(table, "family_id = $1", from.ID); c != 0 {
				t.Errorf("%d rows of %s are left on the joined card: add the table to familyMergeTables or familyMergeSteps (store/family_join.go)", c, table)
			}
		}
		for _, table := range familySubjectTables {
			if c := rowsOf(table, "subject_type = 'family' AND subject_id = $1", from.ID); c != 0 {
				t.Errorf("%d rows of %s are left on the joined card", c, table)
			}
		}
		for table := range familyMergeKeeps {
			if !slices.Contains(tables, table) {
				t.Errorf("familyMergeKeeps names %s, which has no family_id column", table)
			}
		}
	})
}

// territoryOf makes a municipality for a raw signal row of the family network.
func territoryOf(t *testing.T, s *store.Store, n *familyNet) int64 {
	t.Helper()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := s.SaveTerritory(n.net.Ctx(), region); err != nil {
		t.Fatal(err)
	}
	tr := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Район"}
	if err := s.SaveTerritory(n.net.Ctx(), tr); err != nil {
		t.Fatal(err)
	}
	return tr.ID
}
