package store_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// FuzzSearchClients: whatever is typed in the search box (valid UTF-8
// without NUL: the web layer refuses the rest, withFormLimits), the search
// answers — results or a validation error — never a database error, on
// SQLite with a few clients. Catches SQL built from the query (LIKE
// patterns, trigram terms, numbers out of range).
func FuzzSearchClients(f *testing.F) {
	st := storetest.Open(f, store.SQLite)
	fx := storetest.SetupOrg(f, st, "Ночлежка")
	ctx := fx.Ctx()
	for _, c := range []*opora.Client{
		{Surname: "Иванов", FirstName: "Пётр", BirthYear: 1971, BirthPrecision: opora.BirthYear},
		{Surname: "O'Brien", FirstName: "Шон"},
		{Surname: "Гарсия-Маркес", FirstName: "Габриэль", Patronymic: "%_\\"},
	} {
		c.BranchID = fx.Branch.ID
		if err := st.CreateClient(ctx, c); err != nil {
			f.Fatal(err)
		}
	}
	for _, s := range []string{"Иванов 1971", "№1", "%", "_", "\\", "'", "o'brien", "гарсия маркес", "9223372036854775807", "№99999999999999999999", "01.02.1975", "ёж", "a b c d e f g h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) || strings.ContainsRune(q, 0) || len(q) > 200 {
			return
		}
		_, err := st.SearchClients(ctx, store.SearchFilter{Query: q})
		if err != nil && opora.ErrorCode(err) != opora.EINVALID {
			t.Fatalf("%q: %v", q, err)
		}
	})
}
