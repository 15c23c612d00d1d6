package load_test

import (
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

func TestDescriptorPositions(t *testing.T) {
	src := "version: 1\npackage: acme\ntoken:\n  method: IssueToken\n  response:\n    expiry_unit: minutes\n"
	var l diag.List
	d := load.ParseDescriptor("acme.yaml", []byte(src), &l)
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	got := d.Token.Response.ExpiryUnit
	if got.Value != "minutes" || got.Pos != (diag.Pos{File: "acme.yaml", Line: 6, Col: 18}) {
		t.Errorf("expiry_unit = %+v, want minutes at acme.yaml:6:18", got)
	}
	if d.Token.Request.Encoding.Set {
		t.Errorf("an absent key must not be Set")
	}
}

func TestDescriptorReportsEveryProblem(t *testing.T) {
	src := "version: 1\npakage: acme\ntoken:\n  method: [A, B]\n  request: yes\nerrors: {}\n"
	var l diag.List
	load.ParseDescriptor("bad.yaml", []byte(src), &l)
	want := []string{
		`bad.yaml:2:1: unknown key "pakage" in descriptor`,
		`bad.yaml:4:11: method must be a single value, not a list`,
		`bad.yaml:5:12: token.request must be a mapping, not "yes"`,
		`bad.yaml:6:9: errors must be a list, not a mapping`,
	}
	err := l.Err()
	if err == nil {
		t.Fatal("no diagnostics")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("diagnostic %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestInvalidYAMLHasALine(t *testing.T) {
	var l diag.List
	if d := load.ParseDescriptor("x.yaml", []byte("version: 1\ntoken: [\n"), &l); d != nil {
		t.Fatal("parsed invalid YAML")
	}
	if err := l.Err(); err == nil || !strings.HasPrefix(err.Error(), "x.yaml:") {
		t.Errorf("err = %v, want x.yaml:<line>: ...", err)
	}
}

// TestYAMLErrorLines checks syntax errors are reported on the line of the
// problem (yaml.v3 gives no column): yaml.v3 numbers the lines of parser
// errors from 0.
func TestYAMLErrorLines(t *testing.T) {
	for src, want := range map[string]string{
		"version: 1\ntoken:\n  method: A\n   request: {}\n":          "x.yaml:4:11: invalid YAML: mapping values are not allowed in this context",
		"version: 1\ntoken:\n  request: {encoding: json\n":           "x.yaml:3:12: invalid YAML: did not find expected ',' or '}'",
		"version: 1\nerrors:\n  - status: [401\n    schema: Error\n": "x.yaml:3: invalid YAML: did not find expected ',' or ']'",
		"version: 1\ntoken:\n\tmethod: A\n":                          "x.yaml:3:1: invalid YAML: found character that cannot start any token",
	} {
		var l diag.List
		load.ParseDescriptor("x.yaml", []byte(src), &l)
		if err := l.Err(); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
}
