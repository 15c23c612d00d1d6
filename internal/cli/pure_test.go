package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/emit"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

// TestBuildLeavesItsInputsAsLoaded builds each seed provider, each golden
// case and real specs of corpus size (zero-config, through Describe,
// whose RFC 6749 token operation each variant of client authentication
// shapes) twice from one loaded spec and descriptor: both runs must
// generate the same bytes, and the spec and descriptor must be what a
// second load of the same files gives. A build that wrote its decisions
// into the spec once read them back the second time as "registered
// before", and left types out.
func TestBuildLeavesItsInputsAsLoaded(t *testing.T) {
	type input struct {
		name, descriptor, spec string
		zero                   load.ZeroConfig
	}
	var inputs []input
	descriptors, _ := filepath.Glob("../../specs/*/authgen.yaml")
	golden, _ := filepath.Glob("testdata/gen/*/authgen.yaml")
	if len(descriptors) < 4 || len(golden) == 0 {
		t.Fatalf("seed descriptors %q, golden cases %q: want the seed providers and the golden cases", descriptors, golden)
	}
	for _, d := range append(descriptors, golden...) {
		inputs = append(inputs, input{name: filepath.Base(filepath.Dir(d)), descriptor: d})
	}
	conformance := "../conformance/testdata/openapi.yaml"
	inputs = append(inputs,
		input{name: "sumup", spec: "../load/testdata/specs/sumup/openapi.json"},
		input{name: "paypal-orders-v2", spec: "../corpus/testdata/paypal-orders-v2/openapi.json"},
		input{name: "conformance-basic", spec: conformance},
		input{name: "conformance-private_key_jwt", spec: conformance, zero: load.ZeroConfig{ClientAuth: "private_key_jwt", DPoP: true}},
		input{name: "conformance-tls_client_auth", spec: conformance, zero: load.ZeroConfig{ClientAuth: "tls_client_auth"}},
	)
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			read := func() (*load.Descriptor, *load.Spec, *load.Spec) {
				var l diag.List
				var d *load.Descriptor
				var loaded, spec *load.Spec
				if in.descriptor != "" {
					d = load.ReadDescriptor(in.descriptor, &l)
					if d != nil {
						loaded = load.ReadSpec(filepath.Join(filepath.Dir(in.descriptor), d.Spec.Value), d.Spec.Pos, &l)
						spec = loaded
					}
				} else if loaded = load.ReadSpec(in.spec, diag.Pos{File: in.spec}, &l); loaded != nil {
					d, spec = loaded.Describe(in.zero, &l)
				}
				if err := l.Err(); err != nil || d == nil || spec == nil {
					t.Fatalf("loading: %v", err)
				}
				return d, loaded, spec
			}
			d, loaded, spec := read()
			first := generateFrom(t, d, spec)
			second := generateFrom(t, d, spec)
			if len(first) != len(second) {
				t.Fatalf("second build from the same spec: %d files, want %d", len(second), len(first))
			}
			for i := range first {
				if first[i].Path != second[i].Path || !bytes.Equal(first[i].Data, second[i].Data) {
					t.Errorf("second build from the same spec: %s differs from the first's %s", second[i].Path, first[i].Path)
				}
			}
			wantD, fresh, _ := read()
			if !reflect.DeepEqual(fresh.Doc, loaded.Doc) {
				t.Errorf("the loaded spec changed: Describe, Build or generation wrote to it")
			}
			if got, want := marshal(t, loaded.Doc), marshal(t, fresh.Doc); !bytes.Equal(got, want) {
				t.Errorf("the loaded spec changed: it marshals to %d bytes, a fresh load to %d", len(got), len(want))
			}
			if !reflect.DeepEqual(wantD, d) {
				t.Errorf("the descriptor changed: Build wrote to it")
			}
		})
	}
}

// generateFrom runs what cli.Generate does after loading, renames
// included, on inputs already loaded.
func generateFrom(t *testing.T, d *load.Descriptor, spec *load.Spec) []emit.File {
	t.Helper()
	renames := map[string]string{}
	for {
		p, err := model.Build(d, spec, nil, model.Renames(renames))
		if err != nil {
			t.Fatal(err)
		}
		files, err := emit.Generate(p)
		var dup *emit.DuplicateTypeError
		if errors.As(err, &dup) && renames[dup.Component] == "" {
			renames[dup.Component] = dup.Rename
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
}

func marshal(t *testing.T, doc any) []byte {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
