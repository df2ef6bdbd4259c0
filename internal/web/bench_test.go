package web

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// BenchmarkHomePage measures a logged-in page on SQLite: session lookup,
// actor load, organisation, branches, roles, template.
func BenchmarkHomePage(b *testing.B) {
	st := storetest.Open(b, store.SQLite)
	fx := storetest.SetupOrg(b, st, "Ночлежка")
	setPassword(b, st, fx.Admin.ID, fx.Org.ID)
	a := newApp(b, st)
	c := a.login(b, "admin", testPassword)
	b.ResetTimer()
	for b.Loop() {
		if res := c.get("/"); res.Status != http.StatusOK {
			b.Fatalf("status %d", res.Status)
		}
	}
}

// BenchmarkProfilePage measures a client's record page with a year of
// services, notes and a questionnaire: the page the bench's "profile"
// scenario requests. On PostgreSQL it measures the server's side only (the
// database is another process): run it under callgrind to count the Go
// work a page costs with pgx.
func BenchmarkProfilePage(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { benchProfilePage(b, d) })
	}
}

func benchProfilePage(b *testing.B, dialect store.Dialect) {
	st := storetest.Open(b, dialect)
	fx := storetest.SetupOrg(b, st, "Ночлежка")
	setPassword(b, st, fx.Admin.ID, fx.Org.ID)
	ctx := fx.Ctx()
	c := &opora.Client{Surname: "Петров", FirstName: "Пётр", Patronymic: "Петрович", BranchID: fx.Branch.ID,
		Gender: opora.GenderMale, BirthYear: 1970, BirthPrecision: opora.BirthYear}
	if err := st.CreateClient(ctx, c); err != nil {
		b.Fatal(err)
	}
	types, err := st.ServiceTypes(ctx, false)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := st.RecordServices(ctx, c.ID, opora.DateOf(opora.ServiceToday(st.Now()).Time().AddDate(0, 0, -i)),
			[]*opora.Service{{TypeID: types[0].ID, Quantity: 1}}); err != nil {
			b.Fatal(err)
		}
		if err := st.CreateNote(ctx, &opora.Note{ClientID: c.ID, Body: "Заметка о встрече"}); err != nil {
			b.Fatal(err)
		}
	}
	a := newApp(b, st)
	cl := a.login(b, "admin", testPassword)
	path := "/clients/" + strconv.FormatInt(c.ID, 10)
	b.ResetTimer()
	for b.Loop() {
		if res := cl.get(path); res.Status != http.StatusOK {
			b.Fatalf("status %d", res.Status)
		}
	}
}

// BenchmarkGeneratedProfile measures the profile pages of clients made by
// the scale generator (a full questionnaire, twenty services, a case for
// some, twelve colleagues in the forms), as the bench's "profile" scenario
// requests them on a regional database, but in process and on a small one:
// run it under callgrind to count a realistic page's instructions.
func BenchmarkGeneratedProfile(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.Open(b, d)
			const clients = 1000
			if _, err := demo.Generate(context.Background(), st, demo.Options{Clients: clients, Seed: 7}, nil); err != nil {
				b.Fatal(err)
			}
			cl := newApp(b, st).login(b, "admin", demo.Password)
			first := firstClientID(b, st)
			n := 0
			b.ResetTimer()
			for b.Loop() {
				n++
				path := "/clients/" + strconv.FormatInt(first+int64(n*7919%clients), 10)
				if res := cl.get(path); res.Status != http.StatusOK {
					b.Fatalf("%s: status %d", path, res.Status)
				}
			}
		})
	}
}

// firstClientID is the lowest client number in the database.
func firstClientID(b *testing.B, st *store.Store) int64 {
	var id int64
	if err := storetest.RawDB(b, st).QueryRow(`SELECT MIN(id) FROM clients`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	return id
}
