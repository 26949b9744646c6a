#!/usr/bin/env bash
# The runtime under load for a long time (issue 17; docs/RELIABILITY.md, "Load"): one model
# shared by THREADS threads, each running its own context, every logit compared bit for bit
# with the single-context reference, VmRSS/VmHWM at start and end (tests/reliability/runtime_load.cc).
#
#   scripts/load_soak.sh [SECONDS] [THREADS] [MODEL]    default 600 s, 8 threads, the LeNet fixture
#   scripts/load_soak.sh --tsan [SECONDS] [THREADS]     the same built by clang with ThreadSanitizer
#                                                        (kernels + runtime + C API only) into build-tsan/,
#                                                        each context running its batches on 2 threads
#   scripts/load_soak.sh --asan [SECONDS] [THREADS]     with AddressSanitizer and LeakSanitizer (a leak
#                                                        report at exit) into build-asan/
#
# Exits non-zero on a mismatch, a failed call, memory growth beyond 8 MiB or a sanitizer report
# (under a sanitizer the memory bound is off: its shadow memory grows by itself).
# The plain build is build/'s target wrpn_runtime_load (WRPN_BUILD overrides the folder).
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZER=""
case "${1:-}" in
  --tsan) SANITIZER=thread ;;
  --asan) SANITIZER=address ;;
esac
[ -z "$SANITIZER" ] || shift
SECONDS_TO_RUN="${1:-600}"
THREADS="${2:-8}"
MODEL="${3:-tests/runtime/fixtures/lenet5_w1.5_2bit_v1.0.wrpn}"

if [ -z "$SANITIZER" ]; then
  BUILD="${WRPN_BUILD:-build}"
  nice -n 19 ninja -C "$BUILD" wrpn_runtime_load >/dev/null
  exec "$BUILD/tests/wrpn_runtime_load" "$MODEL" --threads "$THREADS" --seconds "$SECONDS_TO_RUN" \
    --max-rss-growth-kb 8192 --report-every 60
fi

CXX="${WRPN_SANITIZER_CXX:-clang++}"
OUT="${WRPN_SANITIZER_OUT:-build-${SANITIZER:0:1}san}"
mkdir -p "$OUT/obj"
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize="$SANITIZER" -ffp-contract=off -Isrc -Iinclude)
objects=()
for src in src/wrpn/kernels/*.cc src/wrpn/runtime/*.cc src/wrpn/runtime/ops/*.cc src/wrpn/capi/wrpn_capi.cc \
  tests/reliability/runtime_load.cc; do
  obj="$OUT/obj/$(echo "$src" | tr '/' '_').o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
    [ -n "$(find src/wrpn/kernels src/wrpn/runtime include -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
    nice -n 19 "$CXX" "${FLAGS[@]}" -c "$src" -o "$obj" &
    # Two compiles at a time: CI machines have two cores.
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  fi
  objects+=("$obj")
done
wait
"$CXX" -fsanitize="$SANITIZER" "${objects[@]}" -lhwy -lz -lpthread -o "$OUT/runtime_load"
# halt_on_error: the first report ends the run with the sanitizer's exit code.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1"
exec "$OUT/runtime_load" "$MODEL" --threads "$THREADS" --seconds "$SECONDS_TO_RUN" --context-threads 2 \
  --remake-every 50 --max-rss-growth-kb 100000000
