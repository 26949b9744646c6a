#!/usr/bin/env bash
# ctest's way into pytest: run_pytest.sh PYTHON PYTHONPATH TEST_FILE... Exits 77 (skipped)
# where the interpreter lacks a module the tests need ($WRPN_PYTEST_NEEDS, default numpy and
# pytest; Debian: python3-numpy, python3-torch, python3-pytest).
set -euo pipefail
PY="$1"
export PYTHONPATH="$2${PYTHONPATH:+:$PYTHONPATH}"
shift 2
for module in ${WRPN_PYTEST_NEEDS:-numpy pytest}; do
  if ! "$PY" -c "import $module" 2>/dev/null; then
    echo "skipped: $PY cannot import $module"
    exit 77
  fi
done
exec "$PY" -m pytest -q -p no:cacheprovider "$@"
