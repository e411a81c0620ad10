package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestHelp: every subcommand answers --help, -h and -help the same way:
// its help on stdout in one layout, exit 0, nothing on stderr.
func TestHelp(t *testing.T) {
	t.Parallel()
	layout := regexp.MustCompile(`^usage: rts (\w+)[^\n]*\n\n(?:[^\n]+\n)+(?:\n(?:arguments|flags|environment):\n(?:  [^\n]+\n)+)*\nexit status: [^\n]+(?:\n[^\n]+)*\n$`)
	for name := range commands {
		for _, flag := range []string{"--help", "-h", "-help"} {
			var stdout, stderr bytes.Buffer
			code := run([]string{name, flag}, &stdout, &stderr)
			if code != 0 || stderr.Len() > 0 {
				t.Errorf("rts %s %s: exit %d, stderr %q", name, flag, code, stderr.String())
			}
			m := layout.FindStringSubmatch(stdout.String())
			if m == nil || m[1] != name {
				t.Errorf("rts %s %s: not in the common layout:\n%s", name, flag, stdout.String())
			}
			for i, line := range strings.Split(stdout.String(), "\n") {
				if len([]rune(line)) > 80 {
					t.Errorf("rts %s %s: line %d is over 80 columns: %q", name, flag, i+1, line)
				}
			}
		}
	}
}

// TestUsageErrors: a bad flag or a missing argument is one line on stderr
// and exit 2, for every subcommand.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for name := range commands {
		for _, args := range [][]string{{"--bogus"}, {"a", "b", "c", "d", "e"}} {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{name}, args...), &stdout, &stderr)
			if code != 2 {
				t.Errorf("rts %s %v: exit %d, want 2", name, args, code)
			}
			if s := stderr.String(); strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
				t.Errorf("rts %s %v: want one line on stderr, got %q", name, args, s)
			}
		}
	}
}

// TestInputMustBeAFile: an APP that is a device, a FIFO or a link to one
// gets one line naming it and exit 2, at once (a read would block or never
// end).
func TestInputMustBeAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"graph"}, {"lint"}, {"diff", "../../testdata/apps/cycles"}, {"rename", "A", "B"}, {"migrate"}} {
		for _, path := range []string{"/dev/zero", fifo, link} {
			args := append([]string{cmd[0], path}, cmd[1:]...)
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 2 {
				t.Errorf("%v: exit %d, want 2", args, code)
			}
			if want := "rts " + cmd[0] + ": " + path + ": not a regular file"; !strings.HasPrefix(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("%v: stderr %q, want one line starting %q", args, stderr.String(), want)
			}
		}
	}
}

// TestControlCharactersEscaped: a name with a terminal escape sequence in
// it is printed escaped by every text output, and errors too.
func TestControlCharactersEscaped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "testdata", "apps", "unused"), dir)
	meta := filepath.Join(dir, "pages", "Home", "queries", "oldReport", "metadata.json")
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	evil := `old\u001b[2J\u001b]0;pwned\u0007Report`
	if err := os.WriteFile(meta, bytes.ReplaceAll(b, []byte(`"oldReport"`), []byte(`"`+evil+`"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lint", dir},
		{"graph", "--format", "dot", dir},
		{"diff", filepath.Join("..", "..", "testdata", "apps", "unused"), dir},
		{"graph", "--page", "\x1b[31mred", dir},
	} {
		var stdout, stderr bytes.Buffer
		run(args, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%v printed a control character:\n%q", args[:2], out)
		}
		if !strings.Contains(out, `\u001b`) && !strings.Contains(out, `\x1b`) {
			t.Errorf("%v: the escaped name is not shown:\n%s", args[:2], out)
		}
	}
}

// TestDOTRendersLineBreaks: Graphviz draws an edge's binding paths on lines
// of their own (no literal \n), and long labels stay short.
func TestDOTRendersLineBreaks(t *testing.T) {
	t.Parallel()
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("graphviz (dot) is missing: CI must install it")
		}
		t.Skip("graphviz (dot) is not installed")
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"graph", "--format", "dot", "--page", "Home", filepath.Join("..", "..", "appmodel", "testdata", "tiny")}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = &stdout
	svg, err := cmd.Output()
	if err != nil {
		t.Fatalf("dot: %v", err)
	}
	if bytes.Contains(svg, []byte(`\n`)) {
		t.Errorf("the SVG shows a literal \\n:\n%s", svg)
	}
	// Table1 reads getUsers through two bindings: two lines of text.
	for _, want := range []string{">onPageChange<", ">tableData<"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the SVG lacks the line %s", want)
		}
	}
}
