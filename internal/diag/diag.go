// Package diag holds positioned diagnostics: every problem authgen finds in a
// descriptor or a spec is reported as "file:line:col: message", all at once,
// sorted by position.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a place in an input file. Line and Col are 1-based; zero means
// unknown (the diagnostic then points at the file, or the line).
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem at one place.
type Diagnostic struct {
	Pos Pos
	Msg string
}

func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Msg }

// List collects diagnostics. The zero value is ready to use.
type List struct {
	items []Diagnostic
}

// Addf records a problem at pos.
func (l *List) Addf(pos Pos, format string, args ...any) {
	l.items = append(l.items, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Len reports how many problems were recorded.
func (l *List) Len() int { return len(l.items) }

// Err returns the recorded problems as an *Error, or nil when there are none.
func (l *List) Err() error {
	if len(l.items) == 0 {
		return nil
	}
	items := slices.Clone(l.items)
	slices.SortStableFunc(items, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	items = slices.Compact(items)
	return &Error{Diagnostics: items}
}

// Error is a non-empty, sorted set of diagnostics.
type Error struct {
	Diagnostics []Diagnostic
}

// Error prints one diagnostic per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Quote lists values for messages: `"a", "b" or "c"`.
func Quote(values ...string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
