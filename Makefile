# Vestiging. `make run` starts the demo library on http://localhost:8080;
# `make test` runs every test (PostgreSQL too when VESTIGING_TEST_POSTGRES is set),
# every benchmark once (-benchtime 1x, for the checks inside them) and a short
# run of each fuzz target; `make bench` runs the benchmarks in earnest.

GO  ?= go
BIN := bin/vestiging

# Fuzz targets as package:Target; go test fuzzes one target per run. The
# budget is a count of inputs, not a duration: Go 1.26 can fail a timed run
# with "context deadline exceeded" as its time runs out (golang/go#75804).
FUZZ     := ./federation:FuzzSignatureHeader ./federation:FuzzParseActivity ./federation:FuzzInboxProcess ./ical:FuzzDecode
FUZZTIME ?= 30000x

# The store's tests and benchmarks use PostgreSQL when this is set.
export VESTIGING_TEST_POSTGRES

# Leaflet, the map's library, is vendored into web/static/leaflet from npm so
# the instance serves it itself (CSP script-src 'self'); `make leaflet` brings
# the version in .ci/npm-packages again. The files are committed: building
# needs no npm.
LEAFLET := $(shell sed -n 's/^leaflet@//p' .ci/npm-packages)

.PHONY: run build test lint bench clean audit leaflet network

run: build
	./$(BIN) serve --demo --listen 127.0.0.1:8080 --base-url http://localhost:8080 --data ./data

build:
	$(GO) build -o $(BIN) ./cmd/vestiging

test:
	$(GO) test -count=1 -timeout 30m ./...
	@echo "every benchmark once, so the checks inside them run"
	$(GO) test -count=1 -timeout 30m -run '^$$' -bench . -benchtime 1x ./...
	@set -e; for f in $(FUZZ); do \
		echo "fuzz $${f#*:} in $${f%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) "$${f%%:*}"; \
	done

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# BenchmarkInboxLoad posts a batch of 10,000 activities to a whole instance,
# where one second would make it a few hundred and the start would weigh in.
bench:
	$(GO) test -run '^$$' -bench . -skip '^BenchmarkInboxLoad$$' -benchmem ./...
	$(GO) test -run '^$$' -bench '^BenchmarkInboxLoad$$' -benchtime 10000x ./cmd/vestiging/

# network runs the network simulation (TestNetwork, issue 16) with N
# instances in one process, two on PostgreSQL when VESTIGING_TEST_POSTGRES is
# set, and prints its figures as the last line, starting with "network:".
N ?= 150
network:
	@out=$$(mktemp); status=0; \
	VESTIGING_NETWORK_N=$(N) $(GO) test -count=1 -run '^TestNetwork$$' -v -timeout 3h ./cmd/vestiging >$$out 2>&1 || status=$$?; \
	cat $$out; sed -n 's/^.*\(network: N=\)/\1/p' $$out | tail -n 1; rm -f $$out; exit $$status

# audit starts a demo instance and prints Lighthouse's scores (mobile) for the
# home page, the agenda, an event, a course and the offers board.
audit:
	bash .ci/audit

leaflet:
	npm install --no-save --no-audit --no-fund --prefix .ci/node $$(cat .ci/npm-packages)
	rm -rf web/static/leaflet && mkdir -p web/static/leaflet/images
	cp .ci/node/node_modules/leaflet/dist/leaflet.js .ci/node/node_modules/leaflet/dist/leaflet.css web/static/leaflet/
	sed -i "/sourceMappingURL/d" web/static/leaflet/leaflet.js # the map is not shipped
	cp .ci/node/node_modules/leaflet/dist/images/*.png web/static/leaflet/images/
	cp .ci/node/node_modules/leaflet/LICENSE web/static/leaflet/LICENSE
	echo "Leaflet $(LEAFLET) from npm (make leaflet); BSD 2-Clause, see LICENSE." > web/static/leaflet/README

# clean keeps ./data: it holds the demo database, which may have your changes.
clean:
	rm -rf bin
