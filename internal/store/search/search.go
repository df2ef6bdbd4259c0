package search

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Client search: one box for names, birth dates, years and client numbers.
//
// Names are matched on clients.search_key, the output of NameKey (folded,
// transliterated, one word per name part). Candidates come from an index —
// SQLite: the FTS5 trigram table clients_fts; PostgreSQL: a pg_trgm GIN
// index — first by exact substrings of every typed word, then, when that
// fills less than a page, by the dictionary words each typed word may stand
// for with typos (search_words.go). Candidates are then
// re-ranked in Go per word: exact word, prefix, infix, then Damerau-
// Levenshtein distance. Scope, deletion, merges and filters are applied in
// SQL, so the index never hands out a client the actor may not see.

// nameKeyVersion is the version of NameKey's folding rules and of the
// name-word dictionary. Raise it when NameKey changes: Migrate then re-keys
// every check-in person and, from clientKeysVersion on, every client, and
// refills the dictionary. (2: the dictionary was added; 3: the check-in
// persons' words went into it.)
const nameKeyVersion = 3

// clientKeysVersion is the last nameKeyVersion that changed the clients'
// keys or words; a database below it re-keys its clients.
const clientKeysVersion = 2

const (
	// exactCandidates caps the candidates of the exact-substring stage.
	exactCandidates = 300
)

// SearchFilter is what the search screen sends.
type SearchFilter struct {
	Query          string
	BranchID       int64
	Gender         opora.Gender
	AgeMin, AgeMax int // 0 = no bound
	HomelessStatus opora.HomelessStatus
	// Options filters by answers of the main questionnaire: field id → any
	// of these option ids. Fields the actor may not see are refused.
	Options   map[int64][]int64
	ExcludeID int64 // leave out one client (the merge picker)
	Offset    int
	Limit     int // default 25
}

// SearchResult is one page of found clients, best first.
type SearchResult struct {
	Clients []*opora.Client
	Total   int
	// More says there may be more matches than Total (the candidate cap was
	// reached); the user should type more.
	More bool
}

// SearchField is a choice field of the main questionnaire offered as a filter.
type SearchField struct {
	ID          int64
	Label       string
	Multiple    bool
	Sensitivity opora.Sensitivity
	Options     []SearchOption
}

// SearchOption is one option of a SearchField.
type SearchOption struct {
	ID    int64
	Label string
}

// SearchFields lists the choice and multiple-choice fields of the main
// questionnaire the actor may see, with their options, for search filters.
func (s *Search) SearchFields(ctx context.Context) ([]SearchField, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, err
	}
	var vis []string
	for _, v := range a.VisibleSensitivities() {
		vis = append(vis, string(v))
	}
	in, args := inList([]any{a.OrganisationID}, vis)
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, f.label, f.type, f.sensitivity, o.id, o.label FROM form_fields f
		JOIN form_sections sec ON sec.id = f.section_id JOIN forms fm ON fm.id = sec.form_id
		JOIN field_options o ON o.field_id = f.id
		WHERE f.organisation_id = $1 AND fm.key = 'profile' AND NOT f.disabled AND NOT sec.disabled AND NOT o.disabled
		AND f.type IN ('choice', 'multichoice') AND f.sensitivity IN (`+in+`)
		ORDER BY sec.position, sec.id, f.position, f.id, o.position, o.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search fields: %w", err)
	}
	defer rows.Close()
	var out []SearchField
	for rows.Next() {
		var fid, oid int64
		var label, typ, sens, olabel string
		if err := rows.Scan(&fid, &label, &typ, &sens, &oid, &olabel); err != nil {
			return nil, fmt.Errorf("store: search fields: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != fid {
			out = append(out, SearchField{ID: fid, Label: label, Multiple: typ == "multichoice", Sensitivity: opora.Sensitivity(sens)})
		}
		f := &out[len(out)-1]
		f.Options = append(f.Options, SearchOption{ID: oid, Label: olabel})
	}
	return out, rows.Err()
}

// parsedQuery is the search box split into its parts.
type parsedQuery struct {
	words []string // NameKey words
	ids   []int64  // client numbers
	years []int
	dates []opora.Date
	// yearOrID is a bare four-digit number alone in the box: a birth year
	// or a client number.
	yearOrID int
}

// parseQuery reads the search box: "№123" or a bare number is a client
// number, 01.02.1975 a birth date, 1900…thisYear a birth year, the rest
// name words in any order.
func parseQuery(q string, thisYear int) parsedQuery {
	var p parsedQuery
	q = strings.NewReplacer("№", " № ", "#", " № ").Replace(q)
	nextID := false
	for _, tok := range strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == ';' }) {
		if tok == "№" {
			nextID = true
			continue
		}
		if d, ok := opora.ParseDate(tok); ok {
			p.dates = append(p.dates, d)
			nextID = false
			continue
		}
		if n, err := strconv.ParseInt(tok, 10, 64); err == nil && n > 0 {
			if !nextID && len(tok) == 4 && n >= 1900 && int(n) <= thisYear {
				p.years = append(p.years, int(n))
			} else {
				p.ids = append(p.ids, n)
			}
			nextID = false
			continue
		}
		nextID = false
		p.words = append(p.words, strings.Fields(NameKey(tok))...)
	}
	if len(p.years) == 1 && len(p.words) == 0 && len(p.ids) == 0 && len(p.dates) == 0 {
		p.yearOrID, p.years = p.years[0], nil
	}
	return p
}

// empty reports whether nothing searchable was typed.
func (p parsedQuery) empty() bool {
	return len(p.words) == 0 && len(p.ids) == 0 && len(p.years) == 0 && len(p.dates) == 0 && p.yearOrID == 0
}

// searchWhere builds the SQL condition on clients c for everything but the
// name words: scope, live records, filters, numbers and birth data.
func (s *Search) searchWhere(ctx context.Context, a *opora.Actor, f *SearchFilter, p parsedQuery) (string, []any, error) {
	cond, args, err := clientScope(a, opora.PermClientRead, nil)
	if err != nil {
		return "", nil, err
	}
	where := cond + " AND c.deleted_at IS NULL AND c.merged_into IS NULL"
	add := func(sqlf string, vals ...any) {
		nums := make([]any, len(vals))
		for i, v := range vals {
			args = append(args, v)
			nums[i] = len(args)
		}
		where += " AND " + fmt.Sprintf(sqlf, nums...)
	}
	if f.ExcludeID != 0 {
		add("c.id <> $%d", f.ExcludeID)
	}
	if f.BranchID != 0 {
		add("c.branch_id = $%d", f.BranchID)
	}
	if f.Gender != "" {
		add("c.gender = $%d", string(f.Gender))
	}
	if f.HomelessStatus != "" {
		add("c.homeless_status = $%d", string(f.HomelessStatus))
	}
	today := s.Today()
	if f.AgeMin > 0 {
		add("((c.birth_date IS NOT NULL AND c.birth_date <= $%d) OR (c.birth_date IS NULL AND c.birth_year <= $%d))",
			today.AddDate(-f.AgeMin, 0, 0), today.Year()-f.AgeMin)
	}
	if f.AgeMax > 0 {
		add("((c.birth_date IS NOT NULL AND c.birth_date > $%d) OR (c.birth_date IS NULL AND c.birth_year >= $%d))",
			today.AddDate(-f.AgeMax-1, 0, 0), today.Year()-f.AgeMax)
	}
	if len(f.Options) > 0 {
		fieldIDs := make([]int64, 0, len(f.Options))
		for id := range f.Options {
			fieldIDs = append(fieldIDs, id)
		}
		sort.Slice(fieldIDs, func(i, j int) bool { return fieldIDs[i] < fieldIDs[j] })
		for _, fid := range fieldIDs {
			opts := f.Options[fid]
			if len(opts) == 0 {
				continue
			}
			if err := s.checkFilterField(ctx, a, fid); err != nil {
				return "", nil, err
			}
			args = append(args, fid)
			n := len(args)
			var in string
			in, args = inList(args, opts)
			where += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM answers an WHERE an.client_id = c.id AND an.field_id = $%d
				AND an.filling_id IS NULL AND an.option_id IN (%s))`, n, in)
		}
	}
	if len(p.ids) > 0 {
		var in string
		in, args = inList(args, p.ids)
		where += " AND c.id IN (" + in + ")"
	}
	if p.yearOrID != 0 {
		// Not "birth_year = y OR id = n": an OR keeps both databases from the
		// (organisation_id, birth_year) index, and at a million clients the
		// scan took 13 s.
		add("c.id IN (SELECT y.id FROM clients y WHERE y.organisation_id = $%d AND y.birth_year = $%d UNION ALL SELECT CAST($%d AS BIGINT))",
			a.OrganisationID, p.yearOrID, int64(p.yearOrID))
	}
	for _, y := range p.years {
		add("c.birth_year = $%d", y)
	}
	for _, d := range p.dates {
		// The year first, so the (organisation_id, birth_year) index serves it.
		add("c.birth_year = $%d AND (c.birth_date = $%d OR c.birth_date IS NULL)", d.Year(), d)
	}
	return where, args, nil
}

// checkFilterField refuses a filter on a field that is not a visible choice
// field of the actor's main questionnaire. A field of a sensitivity the
// actor may not see is forbidden, exactly like one that does not exist.
func (s *Search) checkFilterField(ctx context.Context, a *opora.Actor, fieldID int64) error {
	var sens, typ string
	err := s.r.QueryRowContext(ctx, `SELECT f.sensitivity, f.type FROM form_fields f
		JOIN form_sections sec ON sec.id = f.section_id JOIN forms fm ON fm.id = sec.form_id
		WHERE f.id = $1 AND f.organisation_id = $2 AND fm.key = 'profile'`, fieldID, a.OrganisationID).Scan(&sens, &typ)
	if err == sql.ErrNoRows {
		return opora.ErrForbidden
	}
	if err != nil {
		return fmt.Errorf("store: search filter: %w", err)
	}
	if !a.CanSee(opora.Sensitivity(sens)) || (typ != "choice" && typ != "multichoice") {
		return opora.ErrForbidden
	}
	return nil
}

// SearchClients finds clients within the actor's client.read scope, leaving
// out deleted and merged-away records. It does not audit-log: a list of
// search results is not a view of a profile. The query text is never logged.
func (s *Search) SearchClients(ctx context.Context, f SearchFilter) (*SearchResult, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 25
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	p := parseQuery(f.Query, s.Today().Year())
	if p.empty() && strings.TrimSpace(f.Query) != "" {
		// Only punctuation was typed: nothing matches it.
		return &SearchResult{}, nil
	}
	where, args, err := s.searchWhere(ctx, a, &f, p)
	if err != nil {
		return nil, err
	}
	if len(p.words) == 0 {
		return s.searchPlain(ctx, where, args, f)
	}
	found, more, err := s.SearchNames(ctx, where, args, p.words, f.Limit)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Total: len(found), More: more}
	if f.Offset < len(found) {
		end := min(f.Offset+f.Limit, len(found))
		res.Clients = found[f.Offset:end]
	}
	return res, nil
}

// searchPlain lists clients by filters alone (no name words), by name.
func (s *Search) searchPlain(ctx context.Context, where string, args []any, f SearchFilter) (*SearchResult, error) {
	res := &SearchResult{}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients c WHERE `+where, args...).Scan(&res.Total); err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := s.r.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients c WHERE `+where+`
		ORDER BY c.search_key, c.id LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	res.Clients, err = scanClients(rows)
	return res, err
}

func scanClients(rows *sql.Rows) ([]*opora.Client, error) {
	defer rows.Close()
	var out []*opora.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	return out, nil
}

// SearchNames finds clients whose name matches every word, best first.
// more is true when a candidate cap was reached.
func (s *Search) SearchNames(ctx context.Context, where string, args []any, words []string, page int) ([]*opora.Client, bool, error) {
	exact, err := s.nameCandidates(ctx, where, args, words, nil)
	if err != nil {
		return nil, false, err
	}
	more := len(exact) >= exactCandidates
	ranked := rankClients(exact, words)
	if len(ranked) >= page || !HasLongWord(words) {
		return ranked, more, nil
	}
	// Typos: the dictionary words each typed word may stand for, first
	// those one error away, then all. With a common name the candidates are
	// capped before ranking, so the closest words must fill the cap first;
	// the wider query runs only when they do not fill a page.
	variants, far, err := s.typedVariants(ctx, words)
	if err != nil {
		return nil, false, err
	}
	seen := map[int64]bool{}
	for _, c := range exact {
		seen[c.ID] = true
	}
	found := exact
	for _, near := range []bool{true, false} {
		if !near && !far {
			break
		}
		fuzzy, err := s.nameCandidates(ctx, where, args, words, variants.tier(near))
		if err != nil {
			return nil, false, err
		}
		for _, c := range fuzzy {
			if !seen[c.ID] {
				seen[c.ID] = true
				found = append(found, c)
			}
		}
		ranked = rankClients(found, words)
		if len(ranked) >= page {
			break
		}
	}
	return ranked, more, nil
}

// wordAlternatives are, per typed word of three letters or more, the words
// it may stand for: the word itself (as a prefix, "w*", when it is no name
// word by itself) and its dictionary variants, closest first; near says how
// many of them are the word and the variants one typing error away.
type wordAlternatives struct {
	alts [][]string
	near []int
}

// tier returns the alternatives, only the near ones or all.
func (v wordAlternatives) tier(near bool) [][]string {
	if !near {
		return v.alts
	}
	out := make([][]string, len(v.alts))
	for i, a := range v.alts {
		out[i] = a[:v.near[i]]
	}
	return out
}

// typedVariants looks up the variants of the typed words; far says some
// word has variants more than one error away.
func (s *Search) typedVariants(ctx context.Context, words []string) (wordAlternatives, bool, error) {
	var v wordAlternatives
	far := false
	for _, w := range words {
		if len(w) < 3 {
			continue
		}
		vs, near, known, err := s.wordVariants(ctx, w)
		if err != nil {
			return v, false, err
		}
		self := w
		if !known {
			// Not a name word: perhaps the beginning of one.
			self = w + "*"
		}
		v.alts = append(v.alts, append([]string{self}, vs...))
		v.near = append(v.near, 1+near)
		far = far || near < len(vs)
	}
	return v, far, nil
}

func HasLongWord(words []string) bool {
	for _, w := range words {
		if len(w) >= 3 {
			return true
		}
	}
	return false
}

// nameCandidates selects candidates for the name words from the index:
// every word of three letters or more as an exact substring, or, given its
// alternatives (typedVariants), through the word index as any of them.
// Shorter words are checked as word prefixes.
func (s *Search) nameCandidates(ctx context.Context, where string, args []any, words []string, alternatives [][]string) ([]*opora.Client, error) {
	args = append([]any(nil), args...)
	fuzzy := alternatives != nil
	long := alternatives // per typed word: itself and its variants
	var short []string
	for _, w := range words {
		if len(w) < 3 {
			short = append(short, w)
		} else if !fuzzy {
			long = append(long, []string{w})
		}
	}
	for _, w := range short {
		args = append(args, w+"%", "% "+w+"%")
		where += fmt.Sprintf(" AND (c.search_key LIKE $%d OR c.search_key LIKE $%d)", len(args)-1, len(args))
	}
	limit := " LIMIT " + strconv.Itoa(exactCandidates)
	// SQLite: CROSS JOIN makes the planner start from the index matches;
	// left to itself it walks every client of the organisation and probes.
	var query string
	switch {
	case fuzzy && len(long) > 0 && s.dialect == Postgres:
		// Whole words through the word index (migration 00015): the typed
		// word as a prefix, its variants exactly.
		args = append(args, wordQuery(long, " & ", " | ", ":*"))
		where += fmt.Sprintf(" AND to_tsvector('simple', c.search_key) @@ to_tsquery('simple', $%d)", len(args))
		query = `SELECT ` + clientColumns + ` FROM clients c WHERE ` + where + ` ORDER BY c.search_key, c.id` + limit
	case fuzzy && len(long) > 0:
		args = append(args, wordQuery(long, " AND ", " OR ", " *"))
		query = `SELECT ` + clientColumns + ` FROM (SELECT rowid AS id FROM clients_words WHERE clients_words MATCH $` +
			strconv.Itoa(len(args)) + `) m CROSS JOIN clients c ON c.id = m.id WHERE ` + where + limit
	case s.dialect == Postgres:
		// Each alternative as LIKE '%word%': the trigram GIN index serves
		// the ANDs of ORs as one bitmap scan.
		for _, alts := range long {
			var ors []string
			for _, w := range alts {
				args = append(args, "%"+w+"%")
				ors = append(ors, fmt.Sprintf("c.search_key LIKE $%d", len(args)))
			}
			where += " AND (" + strings.Join(ors, " OR ") + ")"
		}
		query = `SELECT ` + clientColumns + ` FROM clients c WHERE ` + where + ` ORDER BY c.search_key, c.id` + limit
	case len(long) == 0:
		query = `SELECT ` + clientColumns + ` FROM clients c WHERE ` + where + limit
	default:
		args = append(args, ftsExpr(long))
		query = `SELECT ` + clientColumns + ` FROM (SELECT rowid AS id FROM clients_fts WHERE clients_fts MATCH $` +
			strconv.Itoa(len(args)) + `) m CROSS JOIN clients c ON c.id = m.id WHERE ` + where + limit
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	return scanClients(rows)
}

// wordQuery builds a word-index query (FTS5 or tsquery, by the operators
// given): for every typed word, any of its alternatives as a whole word, or
// as a prefix when it ends in "*" (a typed word that is no name word by
// itself). Words hold only a-z and 0-9 (NameKey output), so quoting them is
// safe.
func wordQuery(words [][]string, and, or, prefix string) string {
	quote := func(w string) string {
		if prefix == ":*" {
			return "'" + w + "'"
		}
		return `"` + w + `"`
	}
	var parts []string
	for _, alts := range words {
		var terms []string
		for _, w := range alts {
			if p, ok := strings.CutSuffix(w, "*"); ok {
				terms = append(terms, quote(p)+prefix)
			} else {
				terms = append(terms, quote(w))
			}
		}
		parts = append(parts, "("+strings.Join(terms, or)+")")
	}
	return strings.Join(parts, and)
}

// ftsExpr builds an FTS5 query over the trigram index: for every typed
// word, any of its alternatives as a substring. Words hold only a-z and 0-9
// (NameKey output), so quoting them is safe.
func ftsExpr(words [][]string) string {
	var parts []string
	for _, alts := range words {
		quoted := make([]string, len(alts))
		for i, w := range alts {
			quoted[i] = `"` + w + `"`
		}
		if len(quoted) == 1 {
			parts = append(parts, quoted[0])
		} else {
			parts = append(parts, "("+strings.Join(quoted, " OR ")+")")
		}
	}
	return strings.Join(parts, " AND ")
}

// maxTypos is how many typing errors a word of n letters may carry.
func maxTypos(n int) int {
	switch {
	case n <= 3:
		return 0
	case n <= 5:
		return 1
	}
	return 2
}

// wordScore rates how well the typed word q matches the best of the name's
// words: 0 exact, 1 prefix, 2 infix, 3+d within d typos, 4+d a prefix with
// d typos; -1 when none matches.
func wordScore(q string, keys []string) int {
	best := -1
	better := func(sc int) {
		if best < 0 || sc < best {
			best = sc
		}
	}
	k := maxTypos(len(q))
	for _, w := range keys {
		switch {
		case w == q:
			better(0)
		case strings.HasPrefix(w, q):
			better(1)
		case len(q) >= 3 && strings.Contains(w, q):
			better(2)
		}
		if k == 0 {
			continue
		}
		if d := editDistance(q, w); d <= k {
			better(3 + d)
		}
		if len(w) > len(q) {
			if d := editDistance(q, w[:len(q)]); d <= min(k, 1) {
				better(4 + d)
			}
		}
	}
	return best
}

// rankClients keeps the clients whose name matches every word and orders
// them best first, then by name.
func rankClients(cs []*opora.Client, words []string) []*opora.Client {
	keys := make([]string, len(cs))
	ids := make([]int64, len(cs))
	for i, c := range cs {
		keys[i], ids[i] = NameKey(c.FullName()), c.ID
	}
	order := RankKeys(keys, ids, words)
	res := make([]*opora.Client, len(order))
	for i, j := range order {
		res[i] = cs[j]
	}
	return res
}

// RankKeys returns the positions of the search keys that match every typed
// word, best first, then by key and id.
func RankKeys(keys []string, ids []int64, words []string) []int {
	type scored struct {
		i     int
		key   string
		score int
	}
	var out []scored
	for i, k := range keys {
		fields := strings.Fields(k)
		total := 0
		for _, w := range words {
			sc := wordScore(w, fields)
			if sc < 0 {
				total = -1
				break
			}
			total += sc
		}
		if total >= 0 {
			out = append(out, scored{i, strings.Join(fields, " "), total})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score < out[j].score
		}
		if out[i].key != out[j].key {
			return out[i].key < out[j].key
		}
		return ids[out[i].i] < ids[out[j].i]
	})
	res := make([]int, len(out))
	for i, o := range out {
		res[i] = o.i
	}
	return res
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment: a swap of two neighbours counts as one) between two ASCII
// strings.
func editDistance(a, b string) int {
	if a == b {
		return 0
	}
	n, m := len(a), len(b)
	if n == 0 {
		return m
	}
	if m == 0 {
		return n
	}
	prev2 := make([]int, m+1)
	prev := make([]int, m+1)
	cur := make([]int, m+1)
	for j := 0; j <= m; j++ {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

// LikelyDuplicates returns existing clients that may be the same person as
// c (before c is saved): the same or a close spelling of surname and first
// name (at most two typing errors after NameKey folding) with compatible
// birth data (the same date or year when both are known; a year apart when
// either is an approximate age; unknown matches anything). Closest first,
// at most ten, within the actor's client.read scope.
func (s *Search) LikelyDuplicates(ctx context.Context, c *opora.Client) ([]*opora.Client, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) {
		return nil, nil
	}
	probe := NameKey(c.Surname + " " + c.FirstName)
	words := strings.Fields(probe)
	if len(words) == 0 {
		return nil, nil
	}
	f := SearchFilter{ExcludeID: c.ID}
	where, args, err := s.searchWhere(ctx, a, &f, parsedQuery{})
	if err != nil {
		return nil, err
	}
	year := c.BirthYear
	if c.BirthPrecision == opora.BirthExact && !c.BirthDate.IsZero() {
		year = c.BirthDate.Year()
		args = append(args, c.BirthDate)
		where += fmt.Sprintf(" AND (c.birth_date IS NULL OR c.birth_date = $%d)", len(args))
	}
	if year != 0 {
		args = append(args, year-1, year+1)
		where += fmt.Sprintf(" AND (c.birth_year IS NULL OR c.birth_year BETWEEN $%d AND $%d)", len(args)-1, len(args))
	}
	// Candidates share trigrams with the surname (or are exact on it).
	var cands []*opora.Client
	seen := map[int64]bool{}
	variants, _, err := s.typedVariants(ctx, words[:1])
	if err != nil {
		return nil, err
	}
	for _, alts := range [][][]string{nil, variants.alts} {
		if alts != nil && len(alts) == 0 {
			break // a surname of one or two letters has no variants
		}
		cs, err := s.nameCandidates(ctx, where, args, words[:1], alts)
		if err != nil {
			return nil, err
		}
		for _, x := range cs {
			if !seen[x.ID] {
				seen[x.ID] = true
				cands = append(cands, x)
			}
		}
	}
	type dup struct {
		c *opora.Client
		d int
	}
	var dups []dup
	for _, x := range cands {
		if year != 0 && x.BirthYear != 0 && x.BirthYear != year &&
			c.BirthPrecision != opora.BirthAge && x.BirthPrecision != opora.BirthAge {
			continue
		}
		other := x.Surname + " " + x.FirstName
		if c.FirstName == "" {
			other = x.Surname
		}
		if d := editDistance(probe, NameKey(other)); d <= 2 {
			dups = append(dups, dup{x, d})
		}
	}
	sort.SliceStable(dups, func(i, j int) bool { return dups[i].d < dups[j].d })
	var out []*opora.Client
	for i, d := range dups {
		if i == 10 {
			break
		}
		out = append(out, d.c)
	}
	return out, nil
}

// RekeyClients recomputes every client's search_key and adds the keys'
// words to the name-word dictionary when NameKey's rules changed since the
// keys were stored (search_state.key_version). Migrate
// calls it; it works in batches so a large database is not locked for long.
func (s *Search) RekeyClients(ctx context.Context) error {
	var v int
	if err := s.w.QueryRowContext(ctx, `SELECT key_version FROM search_state WHERE id = 1`).Scan(&v); err != nil {
		return fmt.Errorf("store: search key version: %w", err)
	}
	if v >= nameKeyVersion {
		return nil
	}
	if v < clientKeysVersion {
		if err := s.rekeyClientRows(ctx); err != nil {
			return err
		}
	}
	if err := s.rekeyCheckinPersons(ctx); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE search_state SET key_version = $1 WHERE id = 1`, nameKeyVersion); err != nil {
		return fmt.Errorf("store: search key version: %w", err)
	}
	return nil
}

// rekeyCheckinPersons recomputes the check-in persons' search keys and adds
// their words to the dictionary, a thousand at a time.
func (s *Search) rekeyCheckinPersons(ctx context.Context) error {
	var last int64
	for {
		var ids []int64
		var keys, old []string
		rows, err := s.w.QueryContext(ctx, `SELECT id, surname, first_name, search_key FROM checkin_persons
			WHERE id > $1 ORDER BY id LIMIT 1000`, last)
		if err != nil {
			return fmt.Errorf("store: rekey checkin persons: %w", err)
		}
		for rows.Next() {
			var p opora.CheckinPerson
			var key string
			if err := rows.Scan(&p.ID, &p.Surname, &p.FirstName, &key); err != nil {
				rows.Close()
				return fmt.Errorf("store: rekey checkin persons: %w", err)
			}
			last = p.ID
			ids = append(ids, p.ID)
			keys = append(keys, NameKey(p.FullName()))
			old = append(old, key)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: rekey checkin persons: %w", err)
		}
		if len(ids) > 0 {
			err := s.tx(ctx, func(tx *sql.Tx) error {
				if err := AddNameWords(ctx, tx, keys...); err != nil {
					return err
				}
				for i, id := range ids {
					if keys[i] == old[i] {
						continue
					}
					if _, err := tx.ExecContext(ctx, `UPDATE checkin_persons SET search_key = $1 WHERE id = $2`, keys[i], id); err != nil {
						return fmt.Errorf("store: rekey checkin persons: %w", err)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if len(ids) < 1000 {
			return nil
		}
	}
}

// rekeyClientRows recomputes every client's search key and adds the keys'
// words to the dictionary, a thousand at a time.
func (s *Search) rekeyClientRows(ctx context.Context) error {
	var last int64
	for {
		type row struct {
			id  int64
			key string
		}
		var batch []row
		var keys []string
		rows, err := s.w.QueryContext(ctx, `SELECT id, surname, first_name, patronymic, search_key FROM clients
			WHERE id > $1 ORDER BY id LIMIT 1000`, last)
		if err != nil {
			return fmt.Errorf("store: rekey clients: %w", err)
		}
		n := 0
		for rows.Next() {
			var c opora.Client
			var key string
			if err := rows.Scan(&c.ID, &c.Surname, &c.FirstName, &c.Patronymic, &key); err != nil {
				rows.Close()
				return fmt.Errorf("store: rekey clients: %w", err)
			}
			n++
			last = c.ID
			k := NameKey(c.FullName())
			keys = append(keys, k)
			if k != key {
				batch = append(batch, row{c.ID, k})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: rekey clients: %w", err)
		}
		if len(batch) > 0 || len(keys) > 0 {
			err := s.tx(ctx, func(tx *sql.Tx) error {
				if err := AddNameWords(ctx, tx, keys...); err != nil {
					return err
				}
				for _, r := range batch {
					if _, err := tx.ExecContext(ctx, `UPDATE clients SET search_key = $1 WHERE id = $2`, r.key, r.id); err != nil {
						return fmt.Errorf("store: rekey clients: %w", err)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if n < 1000 {
			return nil
		}
	}
}
