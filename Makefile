# Samsa developer entry points. `make test` is what CI runs (via .ci/run).
GO       ?= go
FUZZTIME ?= 30s
PKGS     := ./...

.PHONY: build test test-short verify fuzz bench run-coordinator clean

build:
	$(GO) build -o bin/coordinator ./coordinator

# The whole suite, race detector on, against our coordinator and (when java
# and the Debian zookeeper package are present) Apache ZooKeeper as oracle.
test:
	$(GO) test -race -timeout 30m $(PKGS)

test-short:
	$(GO) test -race -short $(PKGS)

verify:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet $(PKGS)
	$(GO) mod tidy -diff

# Runs every Fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Side-by-side benchmark of our coordinator and Apache ZooKeeper.
bench:
	$(GO) run ./tests/zkbench/cmd/zkbench

# Quick start: a coordinator on 127.0.0.1:2181 with data under ./data.
run-coordinator: build
	ZOO_DATA_DIR=./data ./bin/coordinator

clean:
	rm -rf bin
