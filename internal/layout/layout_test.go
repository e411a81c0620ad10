package layout

import (
	"bufio"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/appsmith-rts/rts/"

// row is one line of the README's layout table.
type row struct {
	pkg string
	// imports is nil when the row describes its imports in words ("all
	// below…"); otherwise the packages it lists, empty for "—".
	imports []string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readLayout reads the table under "## Layout", top to bottom.
func readLayout(t *testing.T, readme string) []row {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Layout"
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("layout row without three cells: %s", line)
		}
		r := row{pkg: strings.Trim(strings.TrimSpace(cells[0]), "`")}
		switch deps := strings.TrimSpace(cells[2]); {
		case deps == "—":
			r.imports = []string{}
		case strings.HasPrefix(deps, "`"):
			r.imports = []string{}
			for _, m := range backticked.FindAllStringSubmatch(deps, -1) {
				r.imports = append(r.imports, m[1])
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no layout table under ## Layout", readme)
	}
	return rows
}

// packages finds the module's packages and the packages of ours each
// imports outside its tests. A command under benchmarks/cmd belongs to the
// benchmarks row.
func packages(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files (or only tests)
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		var ours []string
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				ours = append(ours, strings.TrimPrefix(imp, module))
			}
		}
		out[rel] = ours
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayoutTable: the README's layout table lists every package once, in
// an order where each imports only packages below it, with the imports it
// names.
func TestLayoutTable(t *testing.T) {
	t.Parallel()
	root := "../.."
	rows := readLayout(t, filepath.Join(root, "README.md"))
	pkgs := packages(t, root)
	position := map[string]int{}
	for i, r := range rows {
		if _, dup := position[r.pkg]; dup {
			t.Errorf("%s has two rows", r.pkg)
		}
		position[r.pkg] = i
		if _, ok := pkgs[r.pkg]; !ok {
			t.Errorf("row %s names no package of the module", r.pkg)
		}
	}
	for pkg, imports := range pkgs {
		owner := pkg
		if strings.HasPrefix(pkg, "benchmarks/cmd/") {
			owner = "benchmarks"
		}
		at, ok := position[owner]
		if !ok {
			t.Errorf("package %s has no row in the README's layout table", pkg)
			continue
		}
		for _, imp := range imports {
			if below, ok := position[imp]; ok && below <= at {
				t.Errorf("%s imports %s, which is not below it in the table", pkg, imp)
			}
		}
		if want := rows[at].imports; want != nil && owner == pkg {
			got := slices.Sorted(slices.Values(imports))
			want = slices.Sorted(slices.Values(want))
			if !slices.Equal(got, want) {
				t.Errorf("%s imports %v; its row says %v", pkg, got, want)
			}
		}
	}
}
