package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/store/storetest"
)

// The pen test stored invalid UTF-8 raw on SQLite and got 500 from
// PostgreSQL, and got 500 for an 11 MB form and for 100,000 repeated
// fields. Each is now refused before any handler, with a message.
func TestFormsRefusedWithAMessage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		bad := clientForm(fx)
		bad.Set("surname", "Иван\xffов")
		res := c.post("/clients", bad)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("a client with invalid UTF-8 in the surname: status %d", res.Status)
		}
		mustContain(t, res.Body, "Форма пришла не в кодировке UTF-8")
		if list := c.get("/clients?q=" + url.QueryEscape("Иван")); strings.Contains(list.Body, "Сергеевич") {
			t.Fatal("the client was saved")
		}
		// The same in a query string.
		res = c.get("/clients?q=%FF%FE")
		if res.Status != http.StatusBadRequest {
			t.Fatalf("search for invalid UTF-8: status %d", res.Status)
		}
		// And before login.
		res = a.client(t).post("/login", url.Values{"login": {"adm\xc3in"}, "password": {testPassword}})
		if res.Status != http.StatusBadRequest {
			t.Fatalf("login with invalid UTF-8: status %d", res.Status)
		}

		big := clientForm(fx)
		big.Set("birth_place", strings.Repeat("Вологда ", 11<<20/len("Вологда ")))
		res = c.post("/clients", big)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("an 11 MB form: status %d", res.Status)
		}
		mustContain(t, res.Body, "Форма слишком большая")

		many := clientForm(fx)
		many["tag"] = make([]string, 100000)
		res = c.post("/clients", many)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("100,000 repeated fields: status %d", res.Status)
		}
		mustContain(t, res.Body, "В форме слишком много полей")
		many["tag"] = make([]string, maxFormFields)
		if res := c.post("/clients", many); res.Status != http.StatusBadRequest {
			t.Fatalf("%d fields: status %d", maxFormFields, res.Status)
		}
		res = c.get("/clients?" + strings.Repeat("q=a&", 20000))
		if res.Status != http.StatusBadRequest {
			t.Fatalf("20,000 query fields: status %d", res.Status)
		}
		mustContain(t, res.Body, "В форме слишком много полей")

		// An ordinary form still goes through.
		if res := c.post("/clients", clientForm(fx)); res.Status != http.StatusSeeOther {
			t.Fatalf("an ordinary client form: status %d", res.Status)
		}
	})
}
