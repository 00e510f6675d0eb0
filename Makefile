# gitshift — see README.md. Every target works on a fresh clone with Go and git.
GO ?= go
BIN := bin/gitshift

.PHONY: build test test-short e2e demo bench fuzz vet fmt clean

build:
	$(GO) build -o $(BIN) ./cmd/gitshift

# The test command (README, .ci/run): vet, unit and integration tests that need only Go and git.
test: vet
	$(GO) test -count=1 ./...

test-short:
	$(GO) test -short ./...

vet:
	@out=$$(gofmt -l cmd internal lab 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin

# --- The local lab (internal/lab, lab/tools/*). Tools are built once and cached in
# $GITSHIFT_LAB_CACHE (default ~/.cache/gitshift/lab); the lab runs in .lab/.
.PHONY: lab-tools lab-up lab-down lab-status

# Build (or find in the cache) every lab tool without starting anything.
lab-tools: build
	$(BIN) lab provision

lab-up: build
	$(BIN) lab up

lab-down: build
	$(BIN) lab down

lab-status: build
	$(BIN) lab status

# The README's main command: start the lab (or reuse a running one) and show Argo CD
# Synced/Healthy at the Git SHA, the live 90/10 VirtualService and the split measured
# in Prometheus.
demo: build
	@$(BIN) lab status >/dev/null 2>&1 || $(BIN) lab up
	$(BIN) lab demo

# End-to-end tests against a real lab (own lab dir and ports; they stop it again).
E2E_TIMEOUT ?= 80m
e2e: build
	$(GO) test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) -v -run 'E2E' ./internal/lab/
