# Samsa developer entry points. `make test` is what CI runs (via .ci/run).
GO       ?= go
FUZZTIME ?= 30s
PKGS     := ./...

.PHONY: build test test-short verify fuzz bench run run-coordinator clean docker

build:
	$(GO) build -o bin/coordinator ./coordinator
	$(GO) build -o bin/broker ./broker

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

# Quick start: a coordinator on localhost:2181 and a broker on localhost:9092,
# data under ./data; Ctrl-C stops both.
run: build
	@mkdir -p data
	@trap 'kill 0' INT TERM EXIT; \
	ZOO_DATA_DIR=./data/zookeeper ./bin/coordinator & \
	./bin/broker --override log.dirs=./data/kafka --override listeners=PLAINTEXT://localhost:9092 & \
	wait

# Only the coordinator on localhost:2181, data under ./data.
run-coordinator: build
	ZOO_DATA_DIR=./data ./bin/coordinator

# Docker images samsa/coordinator and samsa/broker (FROM scratch, static
# binaries built here: nothing is pulled). Then `docker-compose up -d`.
DOCKER_TAG ?= latest
docker:
	GO=$(GO) $(GO) run ./docker/cmd/samsa-image build -tag $(DOCKER_TAG)

clean:
	rm -rf bin
