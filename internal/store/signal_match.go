package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// The match shown while a signal is registered or triaged: earlier
// signals of the inbox and families that may be the same family. Only the
// КДН sees it (signal.triage): a school specialist must not learn about
// families from it.

// SignalMatch is what the match looks for.
type SignalMatch struct {
	Surname  string
	Address  string
	Children []*opora.SignalChild
	Exclude  int64 // the signal being triaged
}

// SignalMatches are the earlier signals and the families found.
type SignalMatches struct {
	Signals  []*opora.Signal
	Families []*opora.Family
}

// matchLimit caps each list of the match.
const matchLimit = 10

// MatchSignal finds earlier signals of the actor's inbox and families the
// actor reaches that share the surname, the address, a child's name or a
// child's birth date. Families are found by SearchFamilies (the client
// search's tolerance of typos, ё/е and Latin spelling), one search per
// part; signals by the folded words of each part in their search key.
// Needs signal.triage (and family.read for families).
func (s *Store) MatchSignal(ctx context.Context, m SignalMatch) (*SignalMatches, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermSignalTriage); err != nil {
		return nil, err
	}
	var parts []string
	for _, p := range []string{m.Surname, m.Address} {
		if len([]rune(strings.TrimSpace(p))) >= 2 {
			parts = append(parts, p)
		}
	}
	var dates []any
	for _, c := range m.Children {
		if len([]rune(strings.TrimSpace(c.Name))) >= 2 {
			parts = append(parts, c.Name)
		}
		if !c.BirthDate.IsZero() {
			dates = append(dates, c.BirthDate)
		}
	}
	out := &SignalMatches{}
	if len(parts) == 0 && len(dates) == 0 {
		return out, nil
	}
	// Earlier signals: every word of a part in the key, or a child born that day.
	cond, args, err := signalInbox(a, nil)
	if err != nil {
		return nil, err
	}
	var ors []string
	for _, p := range parts {
		var ands []string
		for _, w := range strings.Fields(NameKey(p)) {
			args = append(args, "%"+w+"%")
			ands = append(ands, fmt.Sprintf("sg.search_key LIKE $%d", len(args)))
		}
		if len(ands) > 0 {
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
	}
	if len(dates) > 0 {
		in, next := inList(args, dates)
		args = next
		ors = append(ors, "sg.id IN (SELECT signal_id FROM signal_children WHERE birth_date IN ("+in+"))")
	}
	if len(ors) > 0 {
		args = append(args, m.Exclude)
		if out.Signals, err = s.signalList(ctx, cond+" AND ("+strings.Join(ors, " OR ")+fmt.Sprintf(`) AND sg.id <> $%d
			ORDER BY sg.received_at DESC, sg.id DESC LIMIT %d`, len(args), matchLimit), args); err != nil {
			return nil, err
		}
	}
	if !a.Can(opora.PermFamilyRead) {
		return out, nil
	}
	seen := map[int64]bool{}
	add := func(fs []*opora.Family) {
		for _, f := range fs {
			if !seen[f.ID] && len(out.Families) < matchLimit {
				seen[f.ID] = true
				out.Families = append(out.Families, f)
			}
		}
	}
	for _, p := range parts {
		found, err := s.SearchFamilies(ctx, FamilySearch{Query: p, Limit: matchLimit})
		if err != nil {
			return nil, err
		}
		add(found)
	}
	if len(dates) > 0 {
		fcond, fargs, err := familyScope(a, opora.PermFamilyRead, nil)
		if err != nil {
			return nil, err
		}
		in, fargs := inList(fargs, dates)
		found, err := s.familyList(ctx, fcond+` AND EXISTS (SELECT 1 FROM family_members m JOIN clients c ON c.id = m.client_id
			WHERE m.family_id = f.id AND c.birth_date IN (`+in+`)) ORDER BY f.id DESC LIMIT `+fmt.Sprint(matchLimit), fargs)
		if err != nil {
			return nil, err
		}
		add(found)
	}
	return out, nil
}
