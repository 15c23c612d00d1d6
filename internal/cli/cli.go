// Package cli is authgen's command line: it runs load → model → emit and
// is the only part that writes to disk.
package cli

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"golang.org/x/mod/modfile"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/emit"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

// usage is authgen -h, and cmd/authgen's doc comment (TestHelpIsTheDoc).
const usage = `Authgen generates a typed Go client for a payment or banking API from the
provider's OpenAPI spec: a Go type for its schemas, a typed method for each
operation, each sent with an OAuth 2.0 client-credentials token that the
client obtains, caches and renews the way the provider's token endpoint
wants, and a test double of the provider.

Usage:

	authgen [flags] DESCRIPTOR
	authgen [flags] -spec OPENAPI
	authgen [flags] -config FILE

The descriptor (authgen.yaml) names the spec and says what a spec cannot:
the token's expiry unit, the refresh strategy, where the token sits in the
answer. With -spec and no descriptor, authgen generates an RFC 6749 client
for a provider whose spec declares an oauth2 clientCredentials flow in
components.securitySchemes: form body, client_secret_basic (or -client-auth
post, private_key_jwt, client_secret_jwt, tls_client_auth,
self_signed_tls_client_auth), Config.Scopes, expires_in in seconds.

The spec may be OpenAPI 3.0 or 3.1, JSON or YAML, split over files by
relative $refs, or Swagger 2.0 (converted to OpenAPI 3). Problems in parts of
it authgen does not read are warnings, printed as "file:line:col: warning:
message"; -strict makes them errors. Problems in what it reads (the token
operations and their schemas) are errors.

authgen writes client.gen.go, types.gen.go and <package>test/double.gen.go
into the output directory, rewriting only files whose bytes change and
removing *.gen.go files it generated earlier but no longer produces.

With -config, authgen generates every provider a YAML file lists, so that
one go:generate line serves them all:

	version: 1
	providers:
	  - descriptor: specs/acme/authgen.yaml
	    out: acme
	  - spec: specs/std/openapi.yaml
	    out: std
	    client_auth: post

Examples:

	authgen -out generated/acme specs/acme/authgen.yaml
	authgen -check -out generated/acme specs/acme/authgen.yaml
	authgen -spec specs/std/openapi.yaml -client-auth post -out generated/std
	authgen -spec paypal.json -include-tags orders -out paypal

In a go:generate directive, after go get -tool github.com/authgen/authgen/cmd/authgen:

	//go:generate go tool authgen -out . ../../specs/acme/authgen.yaml

Exit status: 0 done, 1 -check found stale output (a unified diff of what
would change is printed), 2 bad input or usage.

Flags:

`

// Options are what one run generates.
type Options struct {
	Descriptor string // path of the descriptor; "" with Spec
	Spec       string // path of a spec to describe without a descriptor
	ClientAuth string // with Spec: "basic", "post", ...; "" for the spec's hints, else basic
	DPoP       bool   // with Spec: DPoP-bound tokens
	Scheme     string // with Spec: the security scheme, when there are several
	BaseURL    string // with Spec: the API's base URL, when the spec's servers give none
	// Issuer, with Spec and a JWT ClientAuth, is the provider's issuer
	// identifier, which the client assertions then name as their audience.
	Issuer string
	// With Spec: the tokens' lifetime when answers carry none ("15m"), or
	// the expiry unit, "jwt_exp" reading the JWT access token's exp.
	Lifetime, ExpiryUnit string
	// API narrows the operations that get typed methods, added to the
	// descriptor's api section: comma-separated tags and operations.
	IncludeTags, ExcludeTags, IncludeOperations, ExcludeOperations string
	Out                                                            string // output directory
	Package                                                        string // overrides the package name when set
	// PackagePos is where Package was given, for its diagnostics; the
	// zero Pos means the -package flag.
	PackagePos diag.Pos
	// Strict makes problems in parts of the spec authgen does not read
	// errors; by default they are warnings.
	Strict bool
	// OperationScopes gives each operation a token for the scopes its
	// security requirement names, as api.operation_scopes does: "all"
	// (every one needed) or "any" (alternatives, one chosen by
	// Config.PreferredScopes) or "false"; "" leaves the descriptor's.
	OperationScopes string
	// Warnings receives the warnings of a run that succeeds, one per
	// line; nil discards them. A failing run returns them with its errors.
	Warnings io.Writer
}

// Run runs authgen with args and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("authgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	fs.StringVar(&opts.Out, "out", ".", "output `directory` of the generated package (created if missing)")
	fs.StringVar(&opts.Package, "package", "", "Go package `name`, overriding the descriptor's")
	fs.StringVar(&opts.Spec, "spec", "", "generate from this OpenAPI `file` alone (an RFC 6749 provider), without a descriptor")
	fs.BoolVar(&opts.DPoP, "dpop", false, "with -spec: bind the tokens to the client's key with DPoP proofs (RFC 9449)")
	fs.StringVar(&opts.ClientAuth, "client-auth", "", "with -spec: client authentication, `basic` (client_secret_basic), post (client_secret_post), private_key_jwt or client_secret_jwt (RFC 7523 assertions), tls_client_auth or self_signed_tls_client_auth (RFC 8705 mutual TLS); without it, what the spec's token_endpoint_auth_method hints say, else basic")
	fs.StringVar(&opts.Lifetime, "lifetime", "", "with -spec: the tokens' `duration` the provider documents (e.g. 15m), for token answers without expires_in")
	fs.StringVar(&opts.ExpiryUnit, "expiry-unit", "", "with -spec: `jwt_exp` renews by the JWT access token's exp claim, for token answers without expires_in")
	fs.StringVar(&opts.Scheme, "scheme", "", "with -spec: the oauth2 security scheme `name`, when the spec has several")
	fs.StringVar(&opts.Issuer, "issuer", "", "with -spec and -client-auth private_key_jwt or client_secret_jwt: the provider's issuer identifier `URL`, which the client assertions then name as their audience instead of the token URL")
	fs.StringVar(&opts.BaseURL, "base-url", "", "with -spec: the API's base `URL`, when the spec's servers give no absolute one")
	fs.StringVar(&opts.IncludeTags, "include-tags", "", "generate methods only for operations with these comma-separated `tags` (and -include-operations)")
	fs.StringVar(&opts.ExcludeTags, "exclude-tags", "", "generate no methods for operations with these comma-separated `tags`")
	fs.StringVar(&opts.IncludeOperations, "include-operations", "", "generate methods only for these comma-separated `operations` (operationIds or \"METHOD /path\")")
	fs.StringVar(&opts.ExcludeOperations, "exclude-operations", "", "generate no methods for these comma-separated `operations`")
	fs.Var((*scopesFlag)(&opts.OperationScopes), "operation-scopes", "give each operation a token for the scopes its security requirement names: all of them, or with =any one of them, chosen by Config.PreferredScopes, for a spec that lists alternatives (api.operation_scopes)")
	fs.BoolVar(&opts.Strict, "strict", false, "make problems in parts of the spec authgen does not read errors, not warnings")
	check := fs.Bool("check", false, "write nothing; exit 1 with a diff if the output directory is not up to date")
	verbose := fs.Bool("v", false, "list every file written or left unchanged (removals are always listed)")
	force := fs.Bool("force", false, "overwrite or remove generated files that were changed by hand")
	config := fs.String("config", "", "generate every provider this YAML `file` lists (descriptors or specs, each with its out directory)")
	version := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "authgen", buildVersion())
		return 0
	}
	if msg := checkArgs(fs, opts.Spec != "", *config != ""); msg != "" {
		fmt.Fprintf(stderr, "authgen: %s (authgen -h says more)\n", msg)
		return 2
	}
	wo := WriteOptions{Force: *force, Removed: stderr}
	if *verbose {
		wo.Log = stderr
	}
	if *config != "" {
		return runConfig(*config, opts, *check, wo, stderr)
	}
	opts.Descriptor = fs.Arg(0)
	return runOne(opts, *check, wo, stderr)
}

// runOne generates one provider and checks or writes it, returning the
// exit code.
func runOne(opts Options, check bool, wo WriteOptions, stderr io.Writer) int {
	opts.Warnings = stderr
	files, err := Generate(opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if check {
		diff, err := Diff(opts.Out, files)
		if err != nil {
			fmt.Fprintln(stderr, "authgen:", err)
			return 2
		}
		if diff != "" {
			fmt.Fprintf(stderr, "authgen: %s is out of date; run authgen without -check. What would change:\n%s", opts.Out, diff)
			return 1
		}
		return 0
	}
	if err := Write(opts.Out, files, wo); err != nil {
		fmt.Fprintln(stderr, "authgen:", err)
		return 2
	}
	return 0
}

// runConfig generates every provider a config lists, each as its own run
// would, and returns the worst exit code.
func runConfig(path string, global Options, check bool, wo WriteOptions, stderr io.Writer) int {
	var l diag.List
	c := load.ReadConfig(path, &l)
	if err := l.Err(); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	dir := filepath.Dir(path)
	rel := func(s load.Str) string {
		switch {
		case !s.Set:
			return ""
		case filepath.IsAbs(s.Value):
			return s.Value
		}
		return filepath.Join(dir, s.Value)
	}
	strs := func(list []load.Str) string {
		var out []string
		for _, s := range list {
			out = append(out, s.Value)
		}
		return strings.Join(out, ",")
	}
	code := 0
	for _, e := range c.Providers {
		opts := Options{
			Descriptor: rel(e.Descriptor), Spec: rel(e.Spec), Out: rel(e.Out), Package: e.Package.Value, PackagePos: e.Package.Pos,
			ClientAuth: e.ClientAuth.Value, Scheme: e.Scheme.Value, BaseURL: e.BaseURL.Value, Issuer: e.Issuer.Value,
			IncludeTags: strs(e.IncludeTags), ExcludeTags: strs(e.ExcludeTags),
			IncludeOperations: strs(e.IncludeOperations), ExcludeOperations: strs(e.ExcludeOperations),
			Strict: global.Strict, OperationScopes: global.OperationScopes,
		}
		code = max(code, runOne(opts, check, wo, stderr))
	}
	return code
}

// Generate runs the pipeline for one descriptor. Source paths in the
// generated headers are relative to the output directory, so they do not
// depend on where authgen runs.
func Generate(opts Options) ([]emit.File, error) {
	// A type oapi-codegen names after its parent can take a component's
	// name, which only its generation tells; the component is then
	// renamed and the whole run made again. Most specs need one run, whose
	// loaded inputs are left to the garbage collector once the model is
	// built: holding them for a rerun that never comes raised the peak live
	// heap by a sixth (BENCHMARKS.md). A spec that needs reruns is loaded
	// once more for all of them: Build and generation leave the inputs as
	// they are (pure_test.go).
	renames, read := map[string]string{}, map[string][]byte{}
	files, warnings, err := firstRun(opts, renames, read)
	var dup *emit.DuplicateTypeError
	if errors.As(err, &dup) {
		d, spec, loaded, lerr := readInputs(opts)
		if lerr != nil {
			return nil, lerr
		}
		for errors.As(err, &dup) && renames[dup.Component] == "" {
			renames[dup.Component] = dup.Rename
			files, warnings, err = generate(opts, d, spec, loaded.Clone(), renames, read)
		}
	}
	if err == nil && opts.Warnings != nil {
		for _, w := range warnings {
			fmt.Fprintln(opts.Warnings, w)
		}
	}
	return files, err
}

// firstRun loads the inputs and generates from them, holding them no
// longer than generate does.
func firstRun(opts Options, renames map[string]string, read map[string][]byte) ([]emit.File, []string, error) {
	d, spec, loaded, err := readInputs(opts)
	if err != nil {
		return nil, nil, err
	}
	return generate(opts, d, spec, loaded, renames, read)
}

// readInputs loads the descriptor and spec, or the spec alone with the
// zero-config flags, and applies the flags that add to the descriptor. The
// list holds what loading found.
func readInputs(opts Options) (*load.Descriptor, *load.Spec, *diag.List, error) {
	l := diag.List{Strict: opts.Strict}
	var d *load.Descriptor
	var spec *load.Spec
	if opts.Spec != "" {
		spec = load.ReadSpec(opts.Spec, diag.Pos{File: opts.Spec}, &l)
		if spec != nil {
			d, spec = spec.Describe(load.ZeroConfig{Package: opts.Package, ClientAuth: opts.ClientAuth, DPoP: opts.DPoP, Lifetime: opts.Lifetime, ExpiryUnit: opts.ExpiryUnit, Scheme: opts.Scheme, BaseURL: opts.BaseURL, Issuer: opts.Issuer}, &l)
		}
	} else {
		d = load.ReadDescriptor(opts.Descriptor, &l)
		if d != nil && d.Spec.Set {
			spec = load.ReadSpec(filepath.Join(filepath.Dir(opts.Descriptor), d.Spec.Value), d.Spec.Pos, &l)
		}
	}
	if err := l.Err(); err != nil && (d == nil || spec == nil) {
		return nil, nil, nil, err
	}
	for flag, dst := range map[string]*[]load.Str{
		"include-tags": &d.API.IncludeTags, "exclude-tags": &d.API.ExcludeTags,
		"include-operations": &d.API.IncludeOperations, "exclude-operations": &d.API.ExcludeOperations,
	} {
		*dst = append(*dst, listFlag(flag, map[string]string{
			"include-tags": opts.IncludeTags, "exclude-tags": opts.ExcludeTags,
			"include-operations": opts.IncludeOperations, "exclude-operations": opts.ExcludeOperations,
		}[flag])...)
	}
	if opts.OperationScopes != "" {
		d.API.OperationScopes = load.Str{Value: opts.OperationScopes, Pos: diag.Pos{File: "-operation-scopes"}, Set: true}
	}
	return d, spec, &l, nil
}

// generate runs the pipeline once on the loaded inputs, l holding what
// loading found, returning the files and the warnings. read holds the
// input files' contents for the digest, read by an earlier run or now.
func generate(opts Options, d *load.Descriptor, spec *load.Spec, l *diag.List, renames map[string]string, read map[string][]byte) ([]emit.File, []string, error) {
	// Sorted with the loader's errors and warnings.
	pkgAt := opts.PackagePos
	if pkgAt == (diag.Pos{}) {
		pkgAt = diag.Pos{File: "-package"}
	}
	p, err := model.Build(d, spec, l, model.Renames(renames), model.Package(opts.Package, pkgAt))
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	for _, w := range l.Warnings() {
		warnings = append(warnings, w.String())
	}
	h := sha256.New()
	for i, src := range p.Sources {
		data, ok := read[src]
		if !ok {
			b, err := os.ReadFile(src)
			if err != nil {
				return nil, nil, err
			}
			// Line endings are normalised, length included, so a
			// checkout with CRLF line endings digests the same.
			data = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
			read[src] = data
		}
		p.Sources[i] = relative(opts.Out, src)
		fmt.Fprintf(h, "%s\n%d\n", p.Sources[i], len(data))
		h.Write(data)
	}
	p.InputDigest = fmt.Sprintf("sha256:%x", h.Sum(nil))[:7+16]
	p.ImportPath = importPath(opts.Out)
	if p.ImportPath == "" && len(p.Operations) > 0 {
		warnings = append(warnings, opts.Out+": warning: no go.mod above it: the test double gets no typed Handle<Operation> functions")
	}
	files, err := emit.Generate(p)
	return files, warnings, err
}

// importPath is the import path of the package in dir, from the go.mod of
// the module holding it; "" when there is none.
func importPath(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			mod := modfile.ModulePath(data)
			rel, err := filepath.Rel(d, abs)
			if mod == "" || err != nil {
				return ""
			}
			return path.Join(mod, filepath.ToSlash(rel))
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// listFlag splits a comma-separated flag value into positioned values.
func listFlag(name, value string) []load.Str {
	var out []load.Str
	for _, v := range strings.Split(value, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, load.Str{Value: v, Pos: diag.Pos{File: "-" + name}, Set: true})
		}
	}
	return out
}

func relative(base, target string) string {
	ab, err1 := filepath.Abs(base)
	at, err2 := filepath.Abs(target)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(target)
	}
	rel, err := filepath.Rel(ab, at)
	if err != nil {
		return filepath.ToSlash(target)
	}
	return filepath.ToSlash(rel)
}

const generatedHeader = "// Code generated by authgen. DO NOT EDIT."

// Diff returns a unified diff from what dir holds to files, including the
// removal of generated files no longer produced; "" when dir is current.
func Diff(dir string, files []emit.File) (string, error) {
	var out strings.Builder
	for _, f := range files {
		old, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if bytes.Equal(old, f.Data) {
			continue
		}
		from := filepath.ToSlash(filepath.Join(dir, f.Path))
		if err != nil {
			from = "/dev/null"
		}
		if err := unified(&out, from, filepath.ToSlash(filepath.Join(dir, f.Path)), string(old), string(f.Data)); err != nil {
			return "", err
		}
	}
	orphans, err := orphans(dir, files)
	if err != nil {
		return "", err
	}
	for _, name := range orphans {
		old, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		if err := unified(&out, filepath.ToSlash(filepath.Join(dir, name)), "/dev/null", string(old), ""); err != nil {
			return "", err
		}
	}
	return out.String(), nil
}

func unified(w io.Writer, from, to, a, b string) error {
	return difflib.WriteUnifiedDiff(w, difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: from, ToFile: to, Context: 3,
	})
}

// Write writes the files whose bytes changed and removes files authgen
// generated earlier but no longer produces. Nothing else in dir is touched.
func Write(dir string, files []emit.File, opts WriteOptions) error {
	orphans, err := orphans(dir, files)
	if err != nil {
		return err
	}
	// Hand-edited files are found before anything is written, so that a
	// refused run changes nothing.
	var edited []string
	for _, name := range append(filesPaths(files), orphans...) {
		old, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil && emit.Edited(old) {
			edited = append(edited, filepath.Join(dir, name))
		}
	}
	if len(edited) > 0 && !opts.Force {
		return fmt.Errorf("authgen: %s changed since authgen wrote it: -force overwrites the changes (a generated file is rewritten on every run; change the spec or the descriptor instead)", strings.Join(edited, ", "))
	}
	say := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Data) {
			say("unchanged %s", path)
			continue
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return err
		}
		say("wrote %s", path)
	}
	for _, name := range orphans {
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil {
			return err
		}
		if opts.Removed != nil {
			fmt.Fprintf(opts.Removed, "authgen: removed %s: it is no longer generated\n", path)
		}
	}
	return nil
}

// WriteOptions say how Write treats what is already there.
type WriteOptions struct {
	// Force overwrites (or removes) generated files changed by hand.
	Force bool
	// Log, if set, gets a line for every file written or left unchanged.
	Log io.Writer
	// Removed gets a line for every stale file removed.
	Removed io.Writer
}

func filesPaths(files []emit.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// orphans are *.gen.go files with authgen's header, in dir or in a
// directory files are written to, that files does not contain.
func orphans(dir string, files []emit.File) ([]string, error) {
	dirs := []string{"."}
	want := map[string]bool{}
	for _, f := range files {
		want[filepath.ToSlash(f.Path)] = true
		if d := filepath.Dir(f.Path); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	var out []string
	for _, sub := range dirs {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name := filepath.ToSlash(filepath.Join(sub, e.Name()))
			if e.IsDir() || !strings.HasSuffix(name, ".gen.go") || want[name] {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return nil, err
			}
			if bytes.HasPrefix(data, []byte(generatedHeader+"\n")) {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// checkArgs says why the arguments do not make a run, "" when they do:
// one descriptor, or -spec and none; flags only for -spec are refused
// without it, rather than ignored.
func checkArgs(fs *flag.FlagSet, spec, config bool) string {
	args := fs.Args()
	if config {
		refused := given(fs, func(name string) bool {
			return !slices.Contains([]string{"config", "check", "v", "force", "strict"}, name)
		})
		switch {
		case len(args) > 0:
			return fmt.Sprintf("-config lists the providers: drop %s", strings.Join(args, " "))
		case len(refused) > 0:
			return fmt.Sprintf("%s: not with -config, whose entries say these per provider", strings.Join(refused, ", "))
		}
		return ""
	}
	switch {
	case spec && len(args) > 0:
		return fmt.Sprintf("-spec generates from the spec alone: drop the descriptor %s, or drop -spec", strings.Join(args, " "))
	case !spec && len(args) == 0:
		return "no descriptor: give the path of an authgen.yaml, or -spec with an OpenAPI file"
	case len(args) > 1:
		return fmt.Sprintf("one descriptor at a time, got %d: %s (flags go before it)", len(args), strings.Join(args, " "))
	}
	if spec {
		return ""
	}
	for _, g := range []struct {
		flags []string
		keys  string // where a descriptor says them
	}{
		{[]string{"client-auth", "scheme", "base-url", "issuer"}, "request.client_auth, base_url, issuer"},
		{[]string{"dpop", "lifetime", "expiry-unit"}, "token.dpop, token.response.lifetime, token.response.expiry_unit"},
	} {
		if used := given(fs, func(name string) bool { return slices.Contains(g.flags, name) }); len(used) > 0 {
			return fmt.Sprintf("%s: only with -spec (with a descriptor, it says these itself: %s)", strings.Join(used, ", "), g.keys)
		}
	}
	return ""
}

// given is the flags set on the command line that match says, as -name.
func given(fs *flag.FlagSet, match func(name string) bool) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		if match(f.Name) {
			out = append(out, "-"+f.Name)
		}
	})
	return out
}

// buildVersion is the module version authgen was built at, and for a
// build from a checkout, the commit it was built from.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	v := info.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	v = "(devel)"
	var rev string
	var dirty bool
	for _, st := range info.Settings {
		switch st.Key {
		case "vcs.revision":
			rev = st.Value
		case "vcs.modified":
			dirty = st.Value == "true"
		}
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if dirty {
			v += "+dirty"
		}
	}
	return v
}

// scopesFlag is -operation-scopes: alone it means "all", else =all or =any.
type scopesFlag string

func (f *scopesFlag) String() string   { return string(*f) }
func (f *scopesFlag) IsBoolFlag() bool { return true }

func (f *scopesFlag) Set(v string) error {
	switch v {
	case "true", "all":
		*f = "all"
	case "any":
		*f = "any"
	case "false":
		*f = "false"
	default:
		return fmt.Errorf("want all or any, not %q", v)
	}
	return nil
}
