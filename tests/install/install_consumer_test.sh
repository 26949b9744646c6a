#!/usr/bin/env bash
# The installed package as another project sees it (ctest Install.ConsumerBuildsAndRunsFromAMovedPrefix):
# `cmake --install` into a prefix, the prefix moved elsewhere (relocatable), then
# examples/installed_package configured with find_package(wrpn) against it, built, and run:
# the C API and the C++ runtime give the same predictions on the format-1.0 LeNet fixture, and
# the training library (wrpn::wrpn, when built with LibTorch) builds a zoo model.
# Usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD="$1"
SRC="$2"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$TMP/first" >"$TMP/install.log" || fail "cmake --install: $(tail -5 "$TMP/install.log")"
mv "$TMP/first" "$TMP/moved"
if grep -rq "$TMP/first" "$TMP/moved/lib/cmake/wrpn"; then fail "the package config names the install path"; fi
cmake -S "$SRC/examples/installed_package" -B "$TMP/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TMP/moved" >"$TMP/configure.log" 2>&1 || fail "configure: $(tail -20 "$TMP/configure.log")"
cmake --build "$TMP/consumer" >"$TMP/build.log" 2>&1 || fail "build: $(tail -20 "$TMP/build.log")"

MODEL="$SRC/tests/runtime/fixtures/lenet5_w1.5_2bit_v1.0.wrpn"
c_out="$("$TMP/consumer/classify_c" "$MODEL")" || fail "classify_c exited $?"
cpp_out="$("$TMP/consumer/classify_cpp" "$MODEL")" || fail "classify_cpp exited $?"
echo "$c_out"
echo "$cpp_out"
[[ "$c_out" =~ ^C:(\ [0-9])+$ ]] || fail "classify_c printed: $c_out"
[ "${c_out#C:}" = "${cpp_out#C++:}" ] || fail "C and C++ predictions differ: $c_out / $cpp_out"
if "$TMP/consumer/classify_c" /no/such.wrpn 2>"$TMP/err"; then fail "a missing model did not fail"; fi
grep -q "classify_c: /no/such.wrpn: cannot open" "$TMP/err" || fail "missing-model message: $(cat "$TMP/err")"
if [ -x "$TMP/consumer/describe_model" ]; then
  "$TMP/consumer/describe_model" | tee "$TMP/describe"
  grep -Eq '^lenet5 2x 4/4: [0-9]+ layers$' "$TMP/describe" || fail "describe_model printed: $(cat "$TMP/describe")"
fi
PY_DIR="$TMP/moved/lib/python3/dist-packages"
if [ -d "$PY_DIR/wrpn" ] && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  py_out="$(PYTHONPATH="$PY_DIR" /usr/bin/python3 -c "
import numpy as np, wrpn
m = wrpn.Model('$MODEL')
i = np.arange(4 * 784, dtype=np.int64)
px = ((i * 7 + (i // 28) * 13) % 256).astype(np.uint8).reshape(4, 1, 28, 28)
print('Python:', ' '.join(str(int(c)) for c in m.predict(px).argmax(1)))")" || fail "Python from the prefix: $py_out"
  echo "$py_out"
  [ "${py_out#Python:}" = "${c_out#C:}" ] || fail "Python and C predictions differ: $py_out / $c_out"
fi
echo PASS
