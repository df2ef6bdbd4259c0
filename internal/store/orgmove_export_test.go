package store

import (
	"context"
	"strings"
)

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
