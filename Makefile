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
