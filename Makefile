# headroom-go build and test entry points. Every target works from a clean
# clone with only Go installed; staticcheck is fetched through the module proxy.

GO            ?= go
PKGS          ?= ./...
BIN           ?= bin
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -s -w -X github.com/headroom-go/headroom/internal/version.Version=$(VERSION)
STATICCHECK   ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME     ?= 200ms
BENCHCOUNT    ?= 6
UPSTREAM      ?= http://127.0.0.1:8788
DIST          ?= dist

.PHONY: all test test-go test-python test-parity bench build build-proxy build-wheel lint fmt run clean

all: lint test

## test: Go tests, then the Python binding suite when python3 (with venv) and a C compiler are present;
## HEADROOM_REQUIRE_PYTHON=1 (set by CI) turns that skip into a failure
test: test-go
	@if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
		&& { command -v cc || command -v gcc; } >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory test-python; \
	elif [ "$${HEADROOM_REQUIRE_PYTHON:-}" = 1 ]; then \
		echo "HEADROOM_REQUIRE_PYTHON=1 but python3 with venv/ensurepip or a C compiler is missing"; exit 1; \
	else echo "skipping the Python binding tests: they need python3 with venv and a C compiler (cgo)"; fi

## test-go: every Go test (parity tests skip when ../shared is absent)
test-go:
	$(GO) test -count=1 $(PKGS)

## test-python: install the wheel into a fresh virtualenv and run the Python unittest suite
test-python:
	GO=$(GO) bindings/python/run_tests.sh

## test-parity: replay the recorded reference fixtures through every comparator
test-parity:
	$(GO) run ./cmd/parity-run run

## bench: benchmarks, BENCHCOUNT runs each so benchstat can take medians
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) $(PKGS)

## build-wheel: C-shared Go core + the headroom Python package as $(DIST)/headroom_go-*.whl (no network)
build-wheel:
	GO=$(GO) VERSION=$(VERSION) bindings/python/build_wheel.sh $(DIST)

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
	rm -rf $(BIN) $(DIST)
