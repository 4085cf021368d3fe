#!/usr/bin/env bash
# Tests the Python binding as a user gets it: installs the headroom-go wheel
# into a fresh virtualenv (pip --no-index --no-deps, no network) and runs the
# unittest suite from a directory outside the source tree, so that the
# installed package is the one imported.
#
# Usage: bindings/python/run_tests.sh [WHEEL]    (without WHEEL, builds one with build_wheel.sh)
# Environment: PYTHON (default python3); HEADROOM_PARITY_FIXTURES (default
# <repo>/../shared/parity/fixtures); HEADROOM_REQUIRE_PARITY=1 turns missing
# fixtures into a failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-python3}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "run_tests.sh: $PYTHON not found" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "run_tests.sh: $PYTHON cannot create virtualenvs with pip (the venv/ensurepip modules are missing);" \
    "on Debian/Ubuntu install python3-venv" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
  wheel=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
  wheel=$("$here/build_wheel.sh" "$work/dist" | tail -n 1)
fi
[ -f "$wheel" ] || { echo "run_tests.sh: no wheel at $wheel" >&2; exit 1; }

fixtures=${HEADROOM_PARITY_FIXTURES:-$root/../shared/parity/fixtures}
if [ -d "$fixtures" ]; then
  fixtures=$(cd "$fixtures" && pwd)
fi

"$PYTHON" -m venv "$work/venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$work/venv/bin/python" -m pip install --quiet --no-index --no-deps "$wheel"

mkdir "$work/run"
cd "$work/run"
# No bytecode: the tests are read from the source tree and must not leave
# __pycache__ directories in it.
HEADROOM_PARITY_FIXTURES="$fixtures" PYTHONDONTWRITEBYTECODE=1 \
  "$work/venv/bin/python" -m unittest discover -s "$here/tests" -t "$here/tests" -v
