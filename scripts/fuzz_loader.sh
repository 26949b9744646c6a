#!/usr/bin/env bash
# Builds the .wrpn loader+runtime fuzz target with clang (libFuzzer, AddressSanitizer,
# UndefinedBehaviorSanitizer) into build-fuzz/ and runs it for a bounded time on the seed
# corpus in fuzz/corpus. Usage: scripts/fuzz_loader.sh [seconds] (default 60).
# Exits non-zero on any crash, leak or sanitizer report (the reproducer lands in build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-60}"
CXX="${WRPN_FUZZ_CXX:-clang++}"
OUT="${WRPN_FUZZ_OUT:-build-fuzz}"
mkdir -p "$OUT/obj" "$OUT/corpus"
FLAGS=(-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Isrc)
objects=()
for src in src/wrpn/kernels/*.cc src/wrpn/runtime/*.cc src/wrpn/runtime/ops/*.cc fuzz/model_loader_fuzz.cc; do
  obj="$OUT/obj/$(echo "$src" | tr '/' '_').o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src/wrpn/kernels src/wrpn/runtime -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
    "$CXX" "${FLAGS[@]}" -c "$src" -o "$obj" &
    # Two compiles at a time: CI machines have two cores.
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n; done
  fi
  objects+=("$obj")
done
wait
"$CXX" -fsanitize=fuzzer,address,undefined "${objects[@]}" -lhwy -lz -lpthread -o "$OUT/model_loader_fuzz"
cp -n fuzz/corpus/* "$OUT/corpus/" 2>/dev/null || true
# -rss_limit_mb and -timeout turn a memory blow-up or a hang into a reported failure.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$OUT/model_loader_fuzz" "$OUT/corpus" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$OUT/" -print_final_stats=1
