# rts: see README.md. `make test` is what CI runs.
GO      ?= go
FUZZTIME ?= 2m

.PHONY: run test bench fuzz lint build web

# The graph page (web/) is built with npm and embedded in the binary.
web:
	cd web && npm ci --no-audit --no-fund && npm run build

build: web
	$(GO) build -o bin/rts ./cmd/rts

run: web
	$(GO) run ./cmd/rts serve --demo

test:
	$(GO) test -race -count=1 -timeout 15m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for $(FUZZTIME); `make fuzz FUZZTIME=10s` for a quick pass.
fuzz:
	@set -e; for spec in $$($(GO) run ./internal/tools/fuzztargets); do \
		pkg=$${spec%%:*}; target=$${spec##*:}; \
		echo "== $$pkg $$target"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME); \
	done

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet ./...
