package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// FamilySearch is what the families screen sends: words (any member's
// name, the address, a child's school) and filters. All are optional.
type FamilySearch struct {
	Query       string
	TerritoryID int64 // municipality
	StatusID    int64
	CuratorID   int64 // "my families": the actor's id
	Limit       int   // 0: 50
}

// familyCandidates caps the families a name search ranks.
const familyCandidates = 500

// SearchFamilies finds families the actor reaches with family.read. Words
// match any member's name (with the client search's tolerance of typos,
// ё/е and Latin spelling: NameKey and the name-word dictionary), the
// address or a child's school; candidates are ranked as client search
// ranks names. Without words, families are listed newest change first.
func (s *Store) SearchFamilies(ctx context.Context, fs FamilySearch) ([]*opora.Family, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	cond, args, err := familyScope(a, opora.PermFamilyRead, nil)
	if err != nil {
		return nil, err
	}
	add := func(c string, v any) {
		args = append(args, v)
		cond += fmt.Sprintf(" AND "+c, len(args))
	}
	if fs.TerritoryID != 0 {
		add("f.territory_id = $%d", fs.TerritoryID)
	}
	if fs.StatusID != 0 {
		add("f.status_id = $%d", fs.StatusID)
	}
	if fs.CuratorID != 0 {
		add("f.curator_id = $%d", fs.CuratorID)
	}
	limit := fs.Limit
	if limit <= 0 {
		limit = 50
	}
	words := strings.Fields(NameKey(fs.Query))
	if len(words) == 0 {
		return s.familyList(ctx, cond+` ORDER BY f.updated_at DESC, f.id DESC LIMIT `+fmt.Sprint(limit), args)
	}
	variants, _, err := s.typedVariants(ctx, words)
	if err != nil {
		return nil, err
	}
	// Every typed word, or one of its variants, in the family's key or a
	// member's current name.
	vi := 0
	for _, w := range words {
		alts := []string{w}
		if len(w) >= 3 {
			alts = variants.alts[vi]
			vi++
		}
		// A number ("СОШ № 7", "д. 7") is a whole number of the key: house
		// 17 and flat 70 are not school No 7. Names hold no numbers.
		if isNumber(w) {
			args = append(args, "% "+w+" %")
			cond += fmt.Sprintf(" AND (' ' || f.search_key || ' ') LIKE $%d", len(args))
			continue
		}
		// The family's key with any variant, or one member whose name has
		// any: one look at the members per word, not per variant.
		var inKey, inName []string
		for _, alt := range alts {
			args = append(args, "%"+strings.TrimSuffix(alt, "*")+"%")
			inKey = append(inKey, fmt.Sprintf("f.search_key LIKE $%d", len(args)))
			inName = append(inName, fmt.Sprintf("c.search_key LIKE $%d", len(args)))
		}
		cond += " AND (" + strings.Join(inKey, " OR ") + ` OR EXISTS (SELECT 1 FROM family_members m
			JOIN clients c ON c.id = m.client_id WHERE m.family_id = f.id AND (` + strings.Join(inName, " OR ") + `)))`
	}
	found, err := s.familyList(ctx, cond+` ORDER BY f.id LIMIT `+fmt.Sprint(familyCandidates), args)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(found))
	ids := make([]int64, len(found))
	for i, f := range found {
		parts := []string{f.Address}
		for _, m := range f.Members {
			parts = append(parts, m.Client.FullName(), m.SchoolName)
		}
		keys[i], ids[i] = NameKey(strings.Join(parts, " ")), f.ID
	}
	var out []*opora.Family
	for _, i := range rankKeys(keys, ids, words) {
		out = append(out, found[i])
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// isNumber reports whether a search word is all digits.
func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// familyList reads the families matching a condition (on f) with their
// members; a card joined into another (merged_into) is never listed.
func (s *Store) familyList(ctx context.Context, where string, args []any) ([]*opora.Family, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+familyColumns+familyFrom+` WHERE f.merged_into IS NULL AND `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: families: %w", err)
	}
	var out []*opora.Family
	byID := map[int64]*opora.Family{}
	var ids []int64
	for rows.Next() {
		f, err := scanFamily(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: families: %w", err)
		}
		out = append(out, f)
		byID[f.ID] = f
		ids = append(ids, f.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: families: %w", err)
	}
	if len(ids) == 0 {
		return out, nil
	}
	members, err := s.familyMembers(ctx, s.r, ids...)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if f := byID[m.FamilyID]; f != nil {
			f.Members = append(f.Members, m)
		}
	}
	for _, f := range out {
		f.Name = familyName(f.Members)
	}
	return out, s.hideListSections(ctx, out)
}

// FamilySchools lists the schools and kindergartens of the network, for
// the child's school. Needs family.read.
func (s *Store) FamilySchools(ctx context.Context) ([]OrgRef, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, name FROM organisations WHERE type IN ($1, $2) ORDER BY name, id`,
		opora.OrgSchool, opora.OrgKindergarten)
	if err != nil {
		return nil, fmt.Errorf("store: schools: %w", err)
	}
	defer rows.Close()
	var out []OrgRef
	for rows.Next() {
		var o OrgRef
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("store: schools: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
