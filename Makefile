# pin's build, tests and demo. `make demo` and `make test` need only Go and
# the Go module proxy: the registry and the linters are installed into ./bin
# at pinned versions.

GO ?= go
STATICCHECK_VERSION := v0.8.2

# The integration tests start this registry binary (internal/testregistry).
export PIN_REGISTRY_BIN := $(CURDIR)/bin/registry

.PHONY: all build test vet lint demo bench self-check fuzz clean FORCE
all: build

build: bin/pin

# -buildvcs=auto stamps the git revision for `pin version` where .git exists.
bin/pin: FORCE
	$(GO) build -buildvcs=auto -o $@ ./cmd/pin

include registry.mk

bin/staticcheck:
	GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

test: vet lint bin/registry bin/pin
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory self-check

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

lint: bin/staticcheck
	bin/staticcheck ./...

# This repository's own images.lock is written by pin and must agree with
# the sources (.pin.yaml keeps the test fixtures out of it).
self-check: bin/pin
	bin/pin verify --offline

# Each fuzzer runs for FUZZTIME in turn (go test -fuzz takes one at a
# time); a finding stops the run and is saved under the package's
# testdata/fuzz, to become a regression test once fixed.
FUZZTIME ?= 2m
FUZZERS := ./rewrite:FuzzFindKubernetes ./rewrite:FuzzFindDockerfile ./rewrite:FuzzCompose ./rewrite:FuzzApply

fuzz:
	@for f in $(FUZZERS); do \
		pkg=$${f%%:*}; name=$${f##*:}; \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test $$pkg -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) || exit 1; \
	done

demo: bin/pin bin/registry
	$(GO) run ./internal/cmd/pindemo -pin bin/pin -registry bin/registry

# Go benchmarks of the scan, then the driver: the real registry behind a
# counting proxy, pin against the floor and the naive approach, and the
# scan at two sizes. It writes its figures into BENCHMARKS.md.
bench: bin/pin bin/registry
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./internal/bench
	$(GO) run ./internal/cmd/pinbench -pin bin/pin -registry bin/registry -write BENCHMARKS.md

clean:
	rm -rf bin
