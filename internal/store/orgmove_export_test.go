package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func keysOf[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// MoveCoverage is what TestOrgMoveCoversEveryTable checks: every table of
// the database is moved or excluded, and every column of a moved table
// that looks like a reference is declared. It returns the problems.
func (s *Store) MoveCoverage(ctx context.Context) ([]string, error) {
	sc, err := readMoveSchema(ctx, s.r, s.dialect)
	if err != nil {
		return nil, err
	}
	var bad []string
	present := map[string]bool{}
	for _, name := range sc.all {
		present[name] = true
		_, excluded := moveExcluded[name]
		moved := sc.byName[name] != nil
		switch {
		case moved && excluded:
			bad = append(bad, "table "+name+" is both moved and excluded")
		case !moved && !excluded:
			bad = append(bad, "table "+name+" is neither moved (organisation_id or a foreign key into a moved table) nor in moveExcluded with a reason")
		}
	}
	for name, reason := range moveExcluded {
		if !present[name] {
			bad = append(bad, "moveExcluded names "+name+", which the schema does not have")
		}
		if strings.TrimSpace(reason) == "" {
			bad = append(bad, "moveExcluded gives no reason for "+name)
		}
	}
	declared := map[string]bool{}
	for k := range moveImplicitRefs {
		declared[k] = true
	}
	for k := range movePolymorphic {
		declared[k] = true
	}
	for k := range moveNotRefs {
		declared[k] = true
	}
	for _, t := range sc.tables {
		fk := map[string]bool{}
		for _, r := range t.refs {
			fk[r.col] = true
		}
		for _, c := range t.cols {
			looks := strings.HasSuffix(c.name, "_id") || c.name == "merged_into" || c.name == "duplicate_of" ||
				strings.HasSuffix(c.name, "_by") && c.kind == "int"
			if looks && c.name != "id" && c.name != "organisation_id" && !fk[c.name] && !declared[t.name+"."+c.name] {
				bad = append(bad, "column "+t.name+"."+c.name+" looks like a reference but has no foreign key: declare it in moveImplicitRefs, movePolymorphic or moveNotRefs")
			}
		}
	}
	// Every TEXT column of a moved table holds ids (moveTextRefs, with its
	// rewriter) or is declared to hold none (moveTextPlain, with a reason).
	for _, t := range sc.tables {
		for _, c := range t.cols {
			if c.kind != "text" {
				continue
			}
			k := t.name + "." + c.name
			_, rewritten := moveTextRefs[k]
			reason, plain := moveTextPlain[k]
			switch {
			case rewritten && plain:
				bad = append(bad, "text column "+k+" is both in moveTextRefs and moveTextPlain")
			case !rewritten && !plain:
				bad = append(bad, "text column "+k+" may hold ids: give it a rewriter in moveTextRefs or declare in moveTextPlain (one line) why it holds none")
			case plain && strings.TrimSpace(reason) == "":
				bad = append(bad, "moveTextPlain gives no reason for "+k)
			}
		}
	}
	for _, m := range []map[string]bool{keysOf(moveTextRefs), keysOf(moveTextPlain)} {
		for k := range m {
			table, col, _ := strings.Cut(k, ".")
			t := sc.byName[table]
			if t == nil || !slices.ContainsFunc(t.cols, func(c moveColumn) bool { return c.name == col }) {
				bad = append(bad, "declared text column "+k+" is not a column of a moved table")
			}
		}
	}
	// Parents before children: every foreign key the database enforces
	// between moved tables points to a table earlier in the order.
	at := map[string]int{}
	for i, t := range sc.tables {
		at[t.name] = i
	}
	for i, t := range sc.tables {
		for _, r := range t.refs {
			if r.poly == "" && !r.implicit && r.parent != t.name && sc.byName[r.parent] != nil && at[r.parent] > i {
				bad = append(bad, "table "+t.name+" is written before "+r.parent+", which its "+r.col+" references")
			}
		}
		if t.owned && t.name != "organisations" && at["organisations"] > i {
			bad = append(bad, "table "+t.name+" is written before organisations")
		}
	}
	for k := range declared {
		table, col, _ := strings.Cut(k, ".")
		if t := sc.byName[table]; t != nil {
			found := false
			for _, c := range t.cols {
				found = found || c.name == col
			}
			if !found {
				bad = append(bad, "declared column "+k+" is not in the schema")
			}
		}
	}
	return bad, nil
}

// TestOrgMoveChangeFields: a timeline line's changes (client_events,
// family_events, council_decisions) are rewritten on import by field name
// (changeRefs). A change field named like an id that is neither mapped nor
// declared in changeNotRefs fails here, so a new one cannot keep the
// source's numbers after a move.
func TestOrgMoveChangeFields(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:opora\.Diff\(\w+, |Change\{Field: )"(\w+)"`)
	seen := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen++
			name := m[1]
			if !strings.HasSuffix(name, "_id") && !strings.HasSuffix(name, "_ids") {
				continue
			}
			_, mapped := changeRefs[name]
			_, plain := changeNotRefs[name]
			if !mapped && !plain {
				t.Errorf("%s: change field %q looks like an id: map it in changeRefs (orgmove_text.go) or declare it in changeNotRefs", f.Name(), name)
			}
		}
	}
	if seen < 50 {
		t.Fatalf("found only %d change fields: has the way changes are written moved?", seen)
	}
}

// MoveTextRefsCheck reads, in this database, the organisation's values of
// every TEXT column that holds ids (moveTextRefs) and returns, by column,
// how many ids they name, and the problems: an id that is not a row of
// the organisation in the table it names (a value left with another
// instance's numbers, or pointing at another organisation's rows).
func (s *Store) MoveTextRefsCheck(ctx context.Context, orgID int64) (map[string]int, []string, error) {
	sc, err := readMoveSchema(ctx, s.r, s.dialect)
	if err != nil {
		return nil, nil, err
	}
	own := map[string]map[int64]bool{}
	ownIDs := func(table string) (map[int64]bool, error) {
		if set, ok := own[table]; ok {
			return set, nil
		}
		set := map[int64]bool{}
		if t := sc.byName[table]; t != nil {
			rows, err := s.r.QueryContext(ctx, `SELECT id FROM `+t.name+` WHERE `+sc.where(t, 0), orgID)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				set[id] = true
			}
			rows.Close()
		}
		own[table] = set
		return set, nil
	}
	counts := map[string]int{}
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(moveTextRefs)) {
		table, col, _ := strings.Cut(k, ".")
		t := sc.byName[table]
		if t == nil {
			continue
		}
		var cols []string
		for _, c := range t.cols {
			if c.kind == "text" {
				cols = append(cols, c.name)
			}
		}
		rows, err := s.r.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+t.name+` WHERE `+sc.where(t, 0), orgID)
		if err != nil {
			return nil, nil, err
		}
		var found []struct {
			table string
			id    int64
		}
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, nil, err
			}
			row := map[string]any{}
			for i, c := range cols {
				row[c] = vals[i].String
			}
			moveTextRefs[k](row[col].(string), row, func(table string, id int64) (int64, bool) {
				found = append(found, struct {
					table string
					id    int64
				}{table, id})
				return id, true
			})
		}
		rows.Close()
		for _, f := range found {
			set, err := ownIDs(f.table)
			if err != nil {
				return nil, nil, err
			}
			counts[k]++
			if !set[f.id] {
				bad = append(bad, fmt.Sprintf("%s names %s %d, not a row of organisation %d", k, f.table, f.id, orgID))
			}
		}
	}
	return counts, bad, nil
}

// TestMoveTextRewriters: each rewriter of ids inside text maps every id it
// knows (here: +1000; 13 of any table is not in the target) and keeps the
// rest of the value.
func TestMoveTextRewriters(t *testing.T) {
	var missed []string
	ids := func(table string, id int64) (int64, bool) {
		if id == 13 {
			missed = append(missed, table)
			return 0, false
		}
		return id + 1000, true
	}
	for _, c := range []struct {
		col, in, want string
		row           map[string]any
		keep          bool
	}{
		{"family_visits.present_members", `[1,13,2]`, `[1001,1002]`, nil, true},
		{"family_assessments.answers", `{"5":7,"13":8}`, `{"1005":1007}`, nil, true},
		{"family_assessments.domain_scores", `{"3":12}`, `{"1003":12}`, nil, true},
		{"client_events.changes", `[{"f":"branch_id","o":"1","n":"13"},{"f":"surname","o":"13","n":"14"},{"f":"branches","n":"1,2"}]`,
			`[{"f":"branch_id","o":"1001"},{"f":"surname","o":"13","n":"14"},{"f":"branches","n":"1001,1002"}]`, nil, true},
		{"council_entries.payload", `{"draft":["4","13"],"tasks.4.org":["2"],"tasks.4.due_on":["2026-01-01"],"tasks.13.reason":["x"],"task":["6"],"reassign.6.version":["3"],"status_id":["9"]}`,
			`{"draft":["1004"],"reassign.1006.version":["3"],"status_id":["1009"],"task":["1006"],"tasks.1004.due_on":["2026-01-01"],"tasks.1004.org":["1002"]}`, nil, true},
		{"imports.mapping", `["surname","f12","","f13","first_name"]`, `["surname","f1012","","","first_name"]`, nil, true},
		{"saved_reports.query", "branch=1&field_5=7&field_5=13&group=field%3A5&group2=month&service_type=13&subject=services",
			"branch=1001&field_1005=1007&group=field%3A1005&group2=month&subject=services", nil, true},
		{"hint_feedback.hint_ref", "7", "7", map[string]any{"hint_kind": "rule"}, false},
		{"hint_feedback.hint_ref", "a=b", "a=b", map[string]any{"hint_kind": "learned"}, true},
	} {
		row := c.row
		if row == nil {
			row = map[string]any{}
		}
		got, keep := moveTextRefs[c.col](c.in, row, ids)
		if got != c.want || keep != c.keep {
			t.Errorf("%s %s:\n got %s (keep %v)\nwant %s (keep %v)", c.col, c.in, got, keep, c.want, c.keep)
		}
	}
	if len(missed) == 0 {
		t.Error("no miss counted")
	}
	def := `{"form_id":2,"name":"Оценка","domains":[{"id":3,"title":"Быт","indicators":[{"id":4,"label":"Жильё","options":[{"id":5,"label":"Есть","score":1}]}]}],"levels":[{"id":6,"label":"Низкий","min":0}]}`
	row := map[string]any{"hash": "old"}
	got, _ := moveTextRefs["assessment_snapshots.definition"](def, row, ids)
	want := strings.NewReplacer(`"form_id":2`, `"form_id":1002`, `"id":3`, `"id":1003`, `"id":4`, `"id":1004`, `"id":5`, `"id":1005`, `"id":6`, `"id":1006`).Replace(def)
	if got != want || row["hash"] == "old" {
		t.Errorf("assessment definition:\n got %s\nwant %s (hash %v)", got, want, row["hash"])
	}
}
