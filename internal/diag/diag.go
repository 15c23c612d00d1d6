// Package diag holds positioned diagnostics: every problem authgen finds in a
// descriptor or a spec is reported as "file:line:col: message", all at once,
// sorted by position. Warnings, problems in parts of a spec authgen does not
// read, print as "file:line:col: warning: message" and fail nothing, unless
// the list is Strict.
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

// Severity says whether a diagnostic fails the run.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

// Diagnostic is one problem at one place.
type Diagnostic struct {
	Pos      Pos
	Msg      string
	Severity Severity
}

func (d Diagnostic) String() string {
	if d.Severity == SeverityWarning {
		return d.Pos.String() + ": warning: " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// List collects diagnostics. The zero value is ready to use.
type List struct {
	// Strict records warnings as errors (authgen -strict). Notices stay
	// warnings: they report what authgen did, not a problem in the input.
	Strict bool
	items  []Diagnostic
}

// Addf records an error at pos.
func (l *List) Addf(pos Pos, format string, args ...any) {
	l.items = append(l.items, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Warnf records a warning at pos, or an error when the list is Strict.
func (l *List) Warnf(pos Pos, format string, args ...any) {
	sev := SeverityWarning
	if l.Strict {
		sev = SeverityError
	}
	l.items = append(l.items, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...), Severity: sev})
}

// Notef records a warning that Strict does not turn into an error, for
// what authgen did to an input (such as converting it) rather than a
// problem in it.
func (l *List) Notef(pos Pos, format string, args ...any) {
	l.items = append(l.items, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...), Severity: SeverityWarning})
}

// Add records diagnostics as they are, such as those of another List.
func (l *List) Add(ds ...Diagnostic) {
	l.items = append(l.items, ds...)
}

// Clone returns a copy of l that records apart from it.
func (l *List) Clone() *List {
	return &List{Strict: l.Strict, items: slices.Clone(l.items)}
}

// Len reports how many errors were recorded; warnings are not counted.
func (l *List) Len() int {
	n := 0
	for _, d := range l.items {
		if d.Severity == SeverityError {
			n++
		}
	}
	return n
}

// Err returns every recorded diagnostic, errors and warnings sorted
// together, as an *Error; nil when no error was recorded.
func (l *List) Err() error {
	if l.Len() == 0 {
		return nil
	}
	return &Error{Diagnostics: l.sorted()}
}

// Warnings returns the recorded warnings, sorted.
func (l *List) Warnings() []Diagnostic {
	return slices.DeleteFunc(l.sorted(), func(d Diagnostic) bool { return d.Severity != SeverityWarning })
}

// sorted returns the diagnostics by position, without duplicates. A
// warning that repeats an error (the same problem found by the lenient
// check of a whole spec and the strict check of what authgen reads) is
// dropped.
func (l *List) sorted() []Diagnostic {
	items := slices.Clone(l.items)
	slices.SortStableFunc(items, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Msg, b.Msg),
			cmp.Compare(a.Severity, b.Severity),
		)
	})
	return slices.CompactFunc(items, func(a, b Diagnostic) bool { return a.Pos == b.Pos && a.Msg == b.Msg })
}

// Error is a non-empty, sorted set of diagnostics, at least one of them an
// error.
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
