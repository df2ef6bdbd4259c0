package web

import (
	"go/ast"
	"go/token"
	"testing"

	"github.com/opora-project/opora/internal/initguard"
)

// TestNoInitFillsARegistry keeps the server's lists where a reader finds
// them: every route in routes.go, the profile's panels and the timeline's
// kinds in client.go. A feature file's init() may only add template
// functions to funcs.
func TestNoInitFillsARegistry(t *testing.T) {
	stmts, err := initguard.Statements(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if !templateFunc(st.Node) {
			t.Errorf("%s: init() does %q: routes go in routes.go, panels in profilePanels and timeline kinds in timelineKinds (client.go); init() may only add template functions to funcs", st.Pos, st.Text)
		}
	}
}

// templateFunc reports whether st is funcs["name"] = f.
func templateFunc(st ast.Stmt) bool {
	as, ok := st.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || as.Tok != token.ASSIGN {
		return false
	}
	ix, ok := as.Lhs[0].(*ast.IndexExpr)
	if !ok {
		return false
	}
	id, ok := ix.X.(*ast.Ident)
	return ok && id.Name == "funcs"
}
