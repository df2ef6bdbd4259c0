package web

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoInitFillsARegistry keeps the server's lists where a reader finds
// them: every route in routes.go, the profile's panels and the timeline's
// kinds in client.go. A feature file's init() may only add template
// functions to funcs.
func TestNoInitFillsARegistry(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Name.Name != "init" {
				continue
			}
			for _, st := range fn.Body.List {
				if templateFunc(st) {
					continue
				}
				var b strings.Builder
				_ = printer.Fprint(&b, fset, st)
				t.Errorf("%s: init() does %q: routes go in routes.go, panels in profilePanels and timeline kinds in timelineKinds (client.go); init() may only add template functions to funcs",
					fset.Position(st.Pos()), strings.SplitN(b.String(), "\n", 2)[0])
			}
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
