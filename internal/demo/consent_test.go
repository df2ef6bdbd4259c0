package demo

import (
	"context"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The generator's bulk path decides a sensitive answer's basis by the same
// rule as the forms: every generated client signs a consent, each
// sensitive answer records it; a batch whose clients have no consent,
// where the organisation requires one, is refused whole.
func TestGeneratedSensitiveAnswersHaveABasis(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.RawDB(t, st)
		if _, err := Generate(context.Background(), st, Options{Clients: 300, Seed: 5}, nil); err != nil {
			t.Fatal(err)
		}
		sensitive := count(t, db, `SELECT COUNT(*) FROM answers a JOIN form_fields f ON f.id = a.field_id WHERE f.sensitivity <> ''`)
		if sensitive == 0 {
			t.Fatal("the generator wrote no sensitive answers")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM answers a JOIN form_fields f ON f.id = a.field_id
			LEFT JOIN consents c ON c.id = a.basis_consent_id
			WHERE f.sensitivity <> '' AND (a.basis <> 'consent' OR c.client_id <> a.client_id OR c.id IS NULL)`); n != 0 {
			t.Fatalf("%v of %v sensitive answers without their client's consent", n, sensitive)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM consents`); n != count(t, db, `SELECT COUNT(*) FROM clients`) {
			t.Fatalf("%v consents for %v clients", n, count(t, db, `SELECT COUNT(*) FROM clients`))
		}
		r := run(t, st)
		actx, g := scaleOf(t, st, r)
		org, err := st.Organisation(actx, r.OrganisationID)
		if err != nil {
			t.Fatal(err)
		}
		org.ConsentRequired = true
		if err := st.UpdateOrganisation(actx, org); err != nil {
			t.Fatal(err)
		}
		clients := count(t, db, `SELECT COUNT(*) FROM clients`)
		b := g.batch(300, 50)
		b.Consents = nil
		if err := st.BulkLoad(actx, b); opora.ErrorMessage(err) != opora.RefuseNoBasis {
			t.Fatalf("a batch without consents: %v", err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM clients`); got != clients {
			t.Fatalf("the refused batch left %v clients", got-clients)
		}
	})
}
