package policy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryProblemHasChinese walks every p.add(field, "format", …) in the
// package and wants a Chinese format with the same verbs for each.
func TestEveryProblemHasChinese(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "add" {
				return true
			}
			if recv, ok := sel.X.(*ast.Ident); !ok || recv.Name != "p" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			format, _ := strconv.Unquote(lit.Value)
			n++
			zh, ok := reasonsZh[format]
			switch {
			case !ok:
				t.Errorf("%s: no Chinese for %q", fset.Position(call.Pos()), format)
			case verbs(zh) != verbs(format):
				t.Errorf("%q: verbs %s in Chinese, %s in English", format, verbs(zh), verbs(format))
			}
			return true
		})
	}
	if n < 50 {
		t.Fatalf("found only %d p.add calls; has the pattern changed?", n)
	}
}

// verbs lists the formatting verbs of a format, in order.
func verbs(format string) string {
	var b strings.Builder
	for i := 0; i+1 < len(format); i++ {
		if format[i] == '%' {
			b.WriteByte(format[i+1])
			i++
		}
	}
	return b.String()
}
