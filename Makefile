# authgen: `make generate` regenerates the clients, `make test` checks them
# and runs every test.

PROVIDERS := dollr firstdollar paysway quidkey
GO        ?= go

.PHONY: all generate check test bench lint

all: generate test

## generate: regenerate generated/<provider> from specs/<provider>
generate:
	$(GO) generate ./...

## check: regenerate in memory and fail on any difference from what is committed
check:
	@for p in $(PROVIDERS); do \
		$(GO) run ./cmd/authgen -check -out generated/$$p specs/$$p/authgen.yaml || exit 1; \
	done

## test: check, vet, and every test under the race detector
test: check
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## bench: the runtime's benchmarks, side by side with golang.org/x/oauth2
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./tokens/...

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
