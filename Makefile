# authgen: `make generate` regenerates the clients, `make test` checks them
# and runs every test.

GO        ?= go

.PHONY: all generate check test deps consumer oidc corpus redis bench lint

OIDC_MODULES   := internal/conformance/testdata/oidc/node_modules/.package-lock.json
CORPUS_MODULES := internal/corpus/testdata/npm/node_modules/.package-lock.json

all: generate test

## generate: regenerate generated/<provider> from specs/<provider>, and the consumer example's client
generate:
	$(GO) generate ./...
	cd examples/consumer && $(GO) generate ./...

## check: regenerate in memory and fail on any difference from what is committed
check:
	$(GO) run ./cmd/authgen -check -config generated/authgen.yaml
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdbasic -out internal/conformance/stdbasic
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdpost -client-auth post -out internal/conformance/stdpost
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdpkjwt -client-auth private_key_jwt -out internal/conformance/stdpkjwt
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdpkjwtiss -client-auth private_key_jwt -issuer https://issuer.authgen.test -out internal/conformance/stdpkjwtiss
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdscoped -operation-scopes -out internal/conformance/stdscoped
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdsecretjwt -client-auth client_secret_jwt -out internal/conformance/stdsecretjwt
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stddpop -dpop -out internal/conformance/stddpop
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdmtls -client-auth tls_client_auth -out internal/conformance/stdmtls
	$(GO) run ./cmd/authgen -check -spec internal/conformance/testdata/openapi.yaml -package stdjwtexp -expiry-unit jwt_exp -out internal/conformance/stdjwtexp

## test: check, vet, every test under the race detector, and the consumer example
test: deps check
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) consumer

## deps: what the tests run besides Go: the npm packages (installed when
## missing or stale) and Redis (named when missing, as it needs root to install)
deps: $(OIDC_MODULES) $(CORPUS_MODULES)
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null || \
		{ echo "make test needs redis-server and redis-cli: apt-get install redis-server redis-tools" >&2; exit 1; }

## oidc: install oidc-provider, the real OAuth 2.0 server the conformance tests start
oidc: $(OIDC_MODULES)
$(OIDC_MODULES): internal/conformance/testdata/oidc/package-lock.json
	cd internal/conformance/testdata/oidc && npm ci --no-audit --no-fund

## corpus: install the real published specs the corpus tests generate clients from (APIs-guru's directory, pinned by npm)
corpus: $(CORPUS_MODULES)
$(CORPUS_MODULES): internal/corpus/testdata/npm/package-lock.json
	cd internal/corpus/testdata/npm && npm ci --no-audit --no-fund

## consumer: examples/consumer, a separate module using authgen as a go tool
consumer:
	cd examples/consumer && $(GO) tool authgen -check -out acme specs/acme/authgen.yaml
	cd examples/consumer && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## bench: generation against oapi-codegen; the runtime's benchmarks and the generated clients' Token, side by side with golang.org/x/oauth2, and fleets with and without Redis
bench: $(CORPUS_MODULES)
	$(GO) test -run '^$$' -bench . -benchmem ./tokens/...
	$(GO) test -run '^$$' -bench ClientToken -benchmem ./generated/
	$(GO) test -run '^$$' -bench FleetHour -benchtime 3x ./generated/
	$(GO) test -run '^$$' -bench 'GenerateRealSpec|GenerateScaling' -benchtime 3x ./internal/cli/

## redis: a local Redis on 127.0.0.1:6379 for trying a fleet (Ctrl-C stops it)
redis:
	redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
