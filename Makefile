# headroom-go build and test entry points. Every target works from a clean
# clone with only Go installed; staticcheck is fetched through the module proxy.

GO            ?= go
PKGS          ?= ./...
BIN           ?= bin
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -s -w -X github.com/headroom-go/headroom/internal/version.Version=$(VERSION)
STATICCHECK   ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME     ?= 1s
BENCHCOUNT    ?= 6
UPSTREAM      ?= http://127.0.0.1:8788

.PHONY: all test test-parity bench build build-proxy lint fmt run clean

all: lint test

## test: unit, integration and parity tests (parity skips when ../shared is absent)
test:
	$(GO) test -count=1 $(PKGS)

## test-parity: replay the recorded reference fixtures through every comparator
test-parity:
	$(GO) run ./cmd/parity-run run

## bench: benchmarks, BENCHCOUNT runs each so benchstat can take medians
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) $(PKGS)

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

## build-proxy: stripped release build of headroom-proxy; prints its size
build-proxy:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/headroom-proxy ./cmd/headroom-proxy
	@ls -l $(BIN)/headroom-proxy | awk '{printf "%s: %d bytes (%.1f MiB)\n", $$9, $$5, $$5/1048576}'

## lint: gofmt check, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')

## run: start the proxy in front of $(UPSTREAM)
run:
	$(GO) run ./cmd/headroom-proxy --upstream $(UPSTREAM)

clean:
	rm -rf $(BIN)
