#!/usr/bin/env bash
# Builds the headroom-go Python wheel without network access:
#   1. the Go core as a C-shared library (go build -buildmode=c-shared ./bindings/capi),
#   2. the wheel zip around it and the headroom package (tools/mkwheel.py, stdlib only).
#
# Usage: bindings/python/build_wheel.sh [OUT_DIR]      (default OUT_DIR: <repo>/dist)
# Environment: GO (default go), PYTHON (default python3), VERSION (Go core version stamp).
# The wheel's path is the last line on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/dist}
GO=${GO:-go}
PYTHON=${PYTHON:-python3}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "build_wheel.sh: $PYTHON not found; it assembles the wheel" >&2
  exit 1
fi
cc=$("$GO" env CC)
if ! command -v "${cc%% *}" >/dev/null 2>&1; then
  echo "build_wheel.sh: cgo needs a C compiler and '$cc' was not found (install gcc, or set CC)" >&2
  exit 1
fi

case "$(uname -s)" in
  Linux*) lib=libheadroom.so ;;
  Darwin*) lib=libheadroom.dylib ;;
  MINGW* | MSYS* | CYGWIN*) lib=headroom.dll ;;
  *) echo "build_wheel.sh: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac

version=${VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(
  cd "$root"
  CGO_ENABLED=1 "$GO" build -buildmode=c-shared -trimpath \
    -ldflags "-s -w -X github.com/headroom-go/headroom/internal/version.Version=$version" \
    -o "$work/$lib" ./bindings/capi
)
mkdir -p "$out"
"$PYTHON" "$here/tools/mkwheel.py" --project "$here" --library "$work/$lib" --out "$out"
