package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Every exported name in non-test code carries a doc comment: users of the
// library read go doc, not the source.
func TestExportedNamesAreDocumented(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var missing []string
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		files++
		if f.Name.Name == "main" {
			return nil // commands export nothing; cgo //export functions are C API
		}
		rel, _ := filepath.Rel(root, path)
		for _, decl := range f.Decls {
			missing = append(missing, undocumented(rel, fset, decl)...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked only %d Go files from %s; the check would be vacuous", files, root)
	}
	for _, m := range missing {
		t.Errorf("exported name without a doc comment: %s", m)
	}
}

func undocumented(file string, fset *token.FileSet, decl ast.Decl) []string {
	at := func(n ast.Node, name string) string {
		return file + ":" + itoa(fset.Position(n.Pos()).Line) + " " + name
	}
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() || d.Doc != nil {
			return nil
		}
		if d.Recv != nil && (!exportedReceiver(d.Recv) || standardMethods[d.Name.Name]) {
			return nil
		}
		return []string{at(d, d.Name.Name)}
	case *ast.GenDecl:
		var out []string
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
					out = append(out, at(s, s.Name.Name))
				}
			case *ast.ValueSpec:
				// A documented group (const ( // Doc … )) covers its members.
				if d.Doc != nil || s.Doc != nil || s.Comment != nil {
					continue
				}
				for _, n := range s.Names {
					if n.IsExported() && !d.Lparen.IsValid() {
						out = append(out, at(s, n.Name))
					}
				}
			}
		}
		return out
	}
	return nil
}

// standardMethods implement well-known interfaces (error, fmt.Stringer,
// errors.Is/As/Unwrap, encoding.*); their contract is the interface's doc.
var standardMethods = map[string]bool{
	"Error": true, "String": true, "Unwrap": true, "Is": true, "As": true,
	"MarshalJSON": true, "UnmarshalJSON": true, "MarshalText": true, "UnmarshalText": true,
	"ServeHTTP": true, "RoundTrip": true, "Read": true, "Write": true, "Close": true,
}

func exportedReceiver(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	typ := recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
		case *ast.IndexExpr:
			typ = x.X
		case *ast.IndexListExpr:
			typ = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
