package config

import (
	"fmt"
	"io"
	"strings"
)

// Help is the --help text of one subcommand. Every subcommand renders its
// help through Write, so that `rts X --help` reads the same for every X:
// a usage line, what the command does, its arguments, flags and
// environment in aligned columns, and its exit status.
type Help struct {
	Usage string // after "usage: ", e.g. "rts graph APP [flags]"
	About string // one paragraph
	Args  []HelpItem
	Flags []HelpItem
	Env   []HelpItem
	Exit  string // e.g. "0 ok, 1 a finding, 2 bad usage or bad input"
}

// HelpItem is one argument, flag or variable and what it means.
type HelpItem struct {
	Name string // "APP", "--format FORMAT", "APPSMITH_RTS_SECRET"
	Text string
}

const (
	helpWidth  = 80
	helpIndent = 28 // the column the explanations start at
)

// Write renders h to w.
func (h Help) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n", h.Usage)
	if h.About != "" {
		b.WriteString("\n")
		wrap(&b, "", h.About, 0)
	}
	for _, sec := range []struct {
		title string
		items []HelpItem
	}{{"arguments", h.Args}, {"flags", h.Flags}, {"environment", h.Env}} {
		if len(sec.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", sec.title)
		for _, it := range sec.items {
			head := "  " + it.Name
			if len(head) >= helpIndent-1 {
				b.WriteString(head + "\n")
				head = ""
			}
			wrap(&b, head, it.Text, helpIndent)
		}
	}
	if h.Exit != "" {
		b.WriteString("\n")
		wrap(&b, "", "exit status: "+h.Exit, 0)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap writes text in lines of at most helpWidth columns, every line
// indented by indent columns, the first one starting with head.
func wrap(b *strings.Builder, head, text string, indent int) {
	line := head + strings.Repeat(" ", max(0, indent-len(head)))
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > helpWidth {
			b.WriteString(line + "\n")
			line, empty = strings.Repeat(" ", indent), true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line + "\n")
}
