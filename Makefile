# rts: see README.md. `make test` is what CI runs.
GO      ?= go
FUZZTIME ?= 2m
FUZZMINIMIZE ?= 2s
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test bench fuzz lint build web

# The graph page (web/) is built with npm and embedded in the binary. Each
# step runs only when its inputs changed: npm ci when the lock file did
# (the stamp marks the last install), the bundle when a source did.
WEB_SRC := $(wildcard web/src/*) web/build.mjs web/package.json

web/node_modules/.rts-installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.rts-installed $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html

# Go caches what it compiled: the first build compiles every dependency
# (minutes on a busy 2-core machine), later ones take seconds.
build: web
	@test -x bin/rts || echo "building bin/rts: the first build compiles every dependency and can take several minutes; later builds take seconds"
	$(GO) build -o bin/rts ./cmd/rts

run: build
	./bin/rts serve --demo

test: web
	$(GO) test -race -count=1 -timeout 15m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for $(FUZZTIME); `make fuzz FUZZTIME=10s` for a quick pass.
# Minimizing a new input is capped at $(FUZZMINIMIZE): with Go's default
# (60 s) a short run that ends while a worker minimizes fails with "context
# deadline exceeded" instead of passing (seen in CI on FuzzSplitTemplate).
# Even so, Go's fuzzer can end a run whose time is up with only "context
# deadline exceeded" and no failing input (seen in CI on FuzzActionDocument,
# 2026-12-01): such a run is tried once more; a run that wrote a failing
# input, or fails again, fails the target.
# `go test -list` names the targets, each line before its package's "ok".
fuzz:
	@set -e; list=$$($(GO) test -list '^Fuzz' ./...); out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for spec in $$(echo "$$list" | awk '/^Fuzz/ {t[n++] = $$1} /^ok/ {for (i = 0; i < n; i++) print $$2 ":" t[i]; n = 0}'); do \
		pkg=$${spec%%:*}; target=$${spec##*:}; \
		echo "== $$pkg $$target"; \
		rc=0; $(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) > $$out 2>&1 || rc=$$?; \
		cat $$out; \
		if [ $$rc -ne 0 ]; then \
			if grep -q 'context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
				echo "== $$pkg $$target again: the fuzzer's own deadline, no failing input"; \
				$(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE); \
			else exit 1; fi; \
		fi; \
	done

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet ./...
	$(STATICCHECK) ./...
