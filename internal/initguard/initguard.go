// Package initguard lists the statements of the init() functions of a
// package's source files, for the tests that keep registries (routes,
// panels, seeders, merge steps) in explicit lists instead of appends from
// init(). It is used by tests only.
package initguard

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"strings"
)

// Stmt is one statement of an init() function.
type Stmt struct {
	Node ast.Stmt
	Pos  token.Position
	Text string // its first line as written
}

// Statements returns every statement of every init() in the non-test Go
// files of dir.
func Statements(dir string) ([]Stmt, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var out []Stmt
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Name.Name != "init" {
				continue
			}
			for _, st := range fn.Body.List {
				var b strings.Builder
				_ = printer.Fprint(&b, fset, st)
				out = append(out, Stmt{Node: st, Pos: fset.Position(st.Pos()), Text: strings.SplitN(b.String(), "\n", 2)[0]})
			}
		}
	}
	return out, nil
}
