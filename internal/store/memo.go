package store

import (
	"context"
	"strings"
	"sync"

	"github.com/opora-project/opora/internal/opora"
)

// readMemo remembers, for one read-only request, what the store has already
// read on the actor's behalf: a client record's panels each check access to
// the client, so a profile page read the same row a dozen times. It holds
// only what the same actor was allowed to read in the same request, so it
// never widens access; it is never used inside a write transaction, and the
// web layer attaches it to GET requests only (a request that writes must
// see its own writes).
type readMemo struct {
	mu         sync.Mutex
	clients    map[memoClient]opora.Client
	colleagues []Colleague
	hasColl    bool
	// holdings are, per client read through the memo, the kinds of rows
	// the client has (holdingColumns).
	holdings map[int64]holding
	// famAccess and rules: what the actor's organisation reads of each
	// family (family_access.go), and its agency type's sections.
	famAccess map[int64]*opora.FamilyAccess
	rules     map[int64]*orgSectionRules
}

// memoClient keys a client by id and the permission its scope was
// checked with (a scope may differ between permissions).
type memoClient struct {
	id int64
	p  opora.Permission
}

type memoKey struct{}

// WithReadMemo returns a context whose store reads remember their results
// until the context ends. Use it only for requests that do not write.
func WithReadMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &readMemo{})
}

func memoFrom(ctx context.Context) *readMemo {
	m, _ := ctx.Value(memoKey{}).(*readMemo)
	return m
}

// client returns a copy of the remembered client, or nil.
func (m *readMemo) client(id int64, p opora.Permission) *opora.Client {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[memoClient{id, p}]
	if !ok {
		return nil
	}
	return &c
}

func (m *readMemo) keepClient(c *opora.Client, p opora.Permission) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clients == nil {
		m.clients = map[memoClient]opora.Client{}
	}
	m.clients[memoClient{c.ID, p}] = *c
}

// holding is a kind of row a client's record lists in a panel of its own.
type holding uint16

const (
	holdsRestrictions holding = 1 << iota
	holdsDocuments
	holdsFiles
	holdsNotes
	holdsReminders
	holdsFillings
	holdsStays
	holdsMedical
	holdsLifeEvents
	holdsIssuedDocuments
)

// holdingTables are the tables behind each holding. Each has an index
// leading with client_id, so a probe is one index lookup.
var holdingTables = []struct {
	h     holding
	table string
}{
	{holdsRestrictions, "restrictions"},
	{holdsDocuments, "identity_documents"},
	{holdsFiles, "files"},
	{holdsNotes, "notes"},
	{holdsReminders, "reminders"},
	{holdsFillings, "form_fillings"},
	{holdsStays, "shelter_stays"},
	{holdsMedical, "shelter_medical_checks"},
	{holdsLifeEvents, "life_events"},
	{holdsIssuedDocuments, "issued_documents"},
}

// holdingColumns are the probes the memo's first read of a client adds to
// the row: one boolean per holding, true when the table has any row of the
// client at all (deleted, ended or of any kind). Most clients have none of
// most of these, and the panels that list them then skip their queries: on
// a profile page that was half its statements.
var holdingColumns = func() string {
	var b strings.Builder
	for _, t := range holdingTables {
		b.WriteString(", EXISTS (SELECT 1 FROM " + t.table + " x WHERE x.client_id = c.id)")
	}
	return b.String()
}()

// scanHoldings returns the destinations of holdingColumns and a function
// that turns what they received into the set of holdings.
func scanHoldings() ([]any, func() holding) {
	has := make([]bool, len(holdingTables))
	dest := make([]any, len(has))
	for i := range has {
		dest[i] = &has[i]
	}
	return dest, func() holding {
		var h holding
		for i, t := range holdingTables {
			if has[i] {
				h |= t.h
			}
		}
		return h
	}
}

func (m *readMemo) keepHoldings(clientID int64, h holding) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holdings == nil {
		m.holdings = map[int64]holding{}
	}
	m.holdings[clientID] = h
}

// lacks reports whether ctx's memo knows that the client has no rows of
// kind h. Callers check access to the client first: lacks only saves the
// query that would return nothing.
func lacks(ctx context.Context, clientID int64, h holding) bool {
	m := memoFrom(ctx)
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	got, ok := m.holdings[clientID]
	return ok && got&h == 0
}

func (m *readMemo) familyAccess(familyID int64) *opora.FamilyAccess {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.famAccess[familyID]
}

func (m *readMemo) keepFamilyAccess(acc *opora.FamilyAccess) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.famAccess == nil {
		m.famAccess = map[int64]*opora.FamilyAccess{}
	}
	m.famAccess[acc.FamilyID] = acc
}

func (m *readMemo) orgRules(orgID int64) *orgSectionRules {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rules[orgID]
}

func (m *readMemo) keepOrgRules(orgID int64, r *orgSectionRules) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rules == nil {
		m.rules = map[int64]*orgSectionRules{}
	}
	m.rules[orgID] = r
}
