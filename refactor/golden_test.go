package refactor

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden diffs in testdata/rename")

// TestRenameGolden runs each testdata/rename/*.txtar: the files under app/
// form an app in git format, cmd holds `rename OLD NEW [--page P]`, and diff
// is the expected unified diff (or "error: …" for a refused rename). After
// the diff is checked the rename is applied and reversed, which must give
// back the original files.
func TestRenameGolden(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/rename/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ar := txtar.Parse(data)
			dir := t.TempDir()
			var cmd, want string
			wantAt := -1
			for i, f := range ar.Files {
				switch {
				case f.Name == "cmd":
					cmd = strings.TrimSpace(string(f.Data))
				case f.Name == "diff":
					want, wantAt = string(f.Data), i
				case strings.HasPrefix(f.Name, "app/"):
					path := filepath.Join(dir, filepath.FromSlash(f.Name))
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			appDir := filepath.Join(dir, "app")
			args := strings.Fields(cmd)
			if len(args) < 3 || args[0] != "rename" {
				t.Fatalf("cmd must be `rename OLD NEW [--page P]`, got %q", cmd)
			}
			page := ""
			if len(args) == 5 && args[3] == "--page" {
				page = args[4]
			}
			original := treeSums(t, appDir)
			app, err := appmodel.LoadDir(appDir)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			plan, err := PlanRename(app, page, args[1], args[2])
			if err == nil {
				var results []FileResult
				results, err = Preview(plan)
				if err == nil {
					got = UnifiedDiff(appDir, results, plan.Moves)
				}
			}
			if err != nil {
				got = "error: " + strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "") + "\n"
			}
			if *update {
				if wantAt < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "diff"})
					wantAt = len(ar.Files) - 1
				}
				ar.Files[wantAt].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("diff mismatch (run with -update to accept)\n--- got ---\n%s--- want ---\n%s", got, want)
			}
			if plan == nil {
				return
			}
			if err := ApplyPlan(plan); err != nil {
				t.Fatal(err)
			}
			renamed, err := appmodel.LoadDir(appDir)
			if err != nil {
				t.Fatal(err)
			}
			back, err := PlanRename(renamed, page, args[2], args[1])
			if err != nil {
				t.Fatal(err)
			}
			if err := ApplyPlan(back); err != nil {
				t.Fatal(err)
			}
			if d := sumDiff(original, treeSums(t, appDir)); d != "" {
				t.Errorf("renaming back did not restore the files: %s", d)
			}
		})
	}
}
