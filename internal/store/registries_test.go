package store_test

import (
	"go/ast"
	"os"
	"testing"

	"github.com/opora-project/opora/internal/initguard"
)

// TestNoInitFillsARegistry keeps the store's lists where a reader finds
// them, each in its own file in the order it runs: the organisation
// seeders (orgSeeders, seeders.go) and the merge's tables and steps
// (mergeTables, mergeSteps, merge.go). An init() may only give an atomic
// setting its first value (x.Store(v)). It reads package store and the
// packages it is split into (storePackages).
func TestNoInitFillsARegistry(t *testing.T) {
	var stmts []initguard.Stmt
	for _, dir := range storePackages {
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("store package %q: %v", dir, err)
		}
		s, err := initguard.Statements(dir)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	for _, st := range stmts {
		if !atomicStore(st.Node) {
			t.Errorf("%s: init() does %q: seeders go in orgSeeders (seeders.go), merge steps in mergeSteps (merge.go); init() may only set an atomic's first value", st.Pos, st.Text)
		}
	}
}

// storePackages are the folders of package store and of the packages over
// its base: a new one is added here.
var storePackages = []string{".", "sqldb", "reports", "search", "bulk"}

// atomicStore reports whether st is x.Store(v) with x a plain name and v
// no function literal.
func atomicStore(st ast.Stmt) bool {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Store" {
		return false
	}
	if _, ok := sel.X.(*ast.Ident); !ok {
		return false
	}
	_, lit := call.Args[0].(*ast.FuncLit)
	return !lit
}
