package diag_test

import (
	"testing"

	"github.com/authgen/authgen/internal/diag"
)

func TestWarningsSortWithErrors(t *testing.T) {
	var l diag.List
	at := func(line int) diag.Pos { return diag.Pos{File: "a.yaml", Line: line, Col: 3} }
	l.Warnf(at(9), "unused example")
	if l.Err() != nil || l.Len() != 0 {
		t.Fatalf("a warning alone fails the run: %v", l.Err())
	}
	l.Addf(at(5), "missing token")
	l.Warnf(at(5), "missing token") // the same problem, found leniently too
	l.Notef(at(1), "converted")
	want := "a.yaml:1:3: warning: converted\na.yaml:5:3: missing token\na.yaml:9:3: warning: unused example"
	if err := l.Err(); err == nil || err.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", err, want)
	}
	if w := l.Warnings(); len(w) != 2 || w[0].Msg != "converted" || w[1].Msg != "unused example" {
		t.Errorf("Warnings() = %v", w)
	}
}

func TestStrictMakesWarningsErrors(t *testing.T) {
	l := diag.List{Strict: true}
	l.Warnf(diag.Pos{File: "a.yaml", Line: 2, Col: 1}, "unused example")
	l.Notef(diag.Pos{File: "a.yaml", Line: 1, Col: 1}, "converted")
	want := "a.yaml:1:1: warning: converted\na.yaml:2:1: unused example"
	if err := l.Err(); err == nil || err.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", err, want)
	}
}
