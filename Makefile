# authgen: `make generate` regenerates the clients, `make test` checks them
# and runs every test.

PROVIDERS := dollr firstdollar paysway quidkey
GO        ?= go

.PHONY: all generate check test consumer bench lint

all: generate test

## generate: regenerate generated/<provider> from specs/<provider>, and the consumer example's client
generate:
	$(GO) generate ./...
	cd examples/consumer && $(GO) generate ./...

## check: regenerate in memory and fail on any difference from what is committed
check:
	@for p in $(PROVIDERS); do \
		$(GO) run ./cmd/authgen -check -out generated/$$p specs/$$p/authgen.yaml || exit 1; \
	done

## test: check, vet, every test under the race detector, and the consumer example
test: check
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) consumer

## consumer: examples/consumer, a separate module using authgen as a go tool
consumer:
	cd examples/consumer && $(GO) tool authgen -check -out acme specs/acme/authgen.yaml
	cd examples/consumer && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## bench: the runtime's benchmarks, side by side with golang.org/x/oauth2
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./tokens/...

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
