#!/usr/bin/env bash
# Builds one libFuzzer target of fuzz/ (clang, AddressSanitizer, UndefinedBehaviorSanitizer)
# into build-fuzz/, replays its committed reproducers (fuzz/regressions/TARGET/) and fuzzes it
# for a bounded time on its seed corpus (fuzz/corpus/TARGET/, copied to build-fuzz/corpus/).
#
#   scripts/fuzz.sh TARGET [SECONDS]   one target (default 60 s)
#   scripts/fuzz.sh all [SECONDS]      every target in turn
#   scripts/fuzz.sh --long [TARGET]    300 s per target (all by default): docs/RELIABILITY.md
#   scripts/fuzz.sh list               the targets
#
# Exits non-zero on any crash, leak, timeout, allocation over the limit or sanitizer report;
# the reproducer lands in build-fuzz/TARGET-crash-*. Each run ends with one line of figures:
# "fuzz TARGET: N inputs in S s, cov E, ft F, corpus C, 0 crashes".
#
# train_config and sweep_grid link the training library: they take LibTorch and the archives
# of a build of this tree from WRPN_FUZZ_BUILD (default build/), compile only the parser files
# instrumented, and are skipped (exit 77) without that build.
# Environment: WRPN_FUZZ_CXX (clang++), WRPN_FUZZ_OUT (build-fuzz), WRPN_FUZZ_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
CXX="${WRPN_FUZZ_CXX:-clang++}"
OUT="${WRPN_FUZZ_OUT:-build-fuzz}"
BUILD="${WRPN_FUZZ_BUILD:-build}"
# Two compiles at a time: CI machines have two cores.
JOBS="${WRPN_FUZZ_JOBS:-2}"
TARGETS=(model_loader idx cifar jpeg network_json checkpoint train_config sweep_grid)
FLAGS=(-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Isrc -Ifuzz)
# The training library's headers, as its CMake target compiles them (LibTorch's definitions).
# -O0 and one precompiled torch/torch.h: a LibTorch file then compiles in 11 s instead of 29 s.
TORCH_HEADER=/usr/include/torch/csrc/api/include/torch/torch.h
TORCH_FLAGS=(-std=c++17 -O0 -gline-tables-only -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=undefined -Isrc -Ifuzz -isystem /usr/include/torch/csrc/api/include -D_GLIBCXX_USE_CXX11_ABI=1
  -DUSE_C10D_GLOO -DUSE_DISTRIBUTED -DUSE_RPC -DUSE_TENSORPIPE)

sources_of() {
  case "$1" in
    model_loader) echo src/wrpn/kernels/*.cc src/wrpn/runtime/*.cc src/wrpn/runtime/ops/*.cc ;;
    idx) echo src/wrpn/data/{idx,mnist,dataset}.cpp src/wrpn/runtime/input_path.cc ;;
    cifar) echo src/wrpn/data/{cifar,dataset}.cpp src/wrpn/runtime/input_path.cc ;;
    jpeg) echo src/wrpn/data/{jpeg,crop_resize,image_input}.cpp src/wrpn/runtime/input_path.cc ;;
    network_json) echo src/wrpn/models/network_description.cpp src/wrpn/quant/bits.cpp ;;
    checkpoint) echo src/wrpn/train/checkpoint_archive.cpp ;;
    # The parsers and their checks, instrumented; the rest comes from the build's archives.
    train_config | sweep_grid)
      echo src/wrpn/train/{train_config,config_schema}.cpp src/wrpn/measure/sweep_grid.cpp \
        src/wrpn/models/network_description.cpp src/wrpn/quant/bits.cpp
      ;;
    *) return 1 ;;
  esac
}

libs_of() {
  case "$1" in
    model_loader) echo -lhwy -lz -lpthread ;;
    idx) echo -lz -lfmt ;;
    cifar | network_json) echo -lfmt ;;
    checkpoint) echo -lz -lfmt ;;
    jpeg) echo -lturbojpeg -lfmt ;;
    train_config | sweep_grid)
      local a="$BUILD/src/wrpn"
      echo -Wl,--start-group "$a/libwrpn_lib.a" "$a/data/libwrpn_image_io.a" "$a/runtime/libwrpn_runtime.a" \
        "$a/kernels/libwrpn_kernels.a" -Wl,--end-group -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,--as-needed \
        -lgloo -lglog -lgflags -lprotobuf -lhwy -ldnnl -lgomp -lz -lturbojpeg -lfmt -lpthread -ldl
      ;;
  esac
}

needs_torch() { [ "$1" = train_config ] || [ "$1" = sweep_grid ]; }

# True when the object is missing or older than its source or any header it included.
stale() {
  local obj="$1" dep="${1%.*}.d" f
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}

build() {
  local target="$1" src obj objects=() flags=("${FLAGS[@]}") suffix=o
  mkdir -p "$OUT/obj"
  if needs_torch "$target"; then
    local pch="$OUT/obj/torch.pch"
    if stale "$pch"; then
      "$CXX" "${TORCH_FLAGS[@]}" -MMD -MF "${pch%.pch}.d" -x c++-header "$TORCH_HEADER" -o "$pch"
    fi
    flags=("${TORCH_FLAGS[@]}" -include-pch "$pch")
    suffix=torch.o
  fi
  rm -f "$OUT/compile-failed"
  for src in $(sources_of "$target") "fuzz/${target}_fuzz.cc"; do
    obj="$OUT/obj/$(echo "$src" | tr '/' '_').$suffix"
    if stale "$obj"; then
      ("$CXX" "${flags[@]}" -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj" || touch "$OUT/compile-failed") &
      while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    fi
    objects+=("$obj")
  done
  wait
  [ ! -f "$OUT/compile-failed" ] || { echo "fuzz.sh: compiling $target failed" >&2; exit 1; }
  local bin="$OUT/${target}_fuzz" o relink=0
  [ -f "$bin" ] || relink=1
  for o in "${objects[@]}"; do [ "$o" -nt "$bin" ] && relink=1; done
  if needs_torch "$target" && [ "$BUILD/src/wrpn/libwrpn_lib.a" -nt "$bin" ]; then relink=1; fi
  if [ "$relink" = 1 ]; then
    # shellcheck disable=SC2046  # libs_of's words are separate arguments
    "$CXX" -fsanitize=fuzzer,address,undefined "${objects[@]}" $(libs_of "$target") -o "$bin"
  fi
}

run() {
  local target="$1" seconds="$2"
  sources_of "$target" >/dev/null || { echo "fuzz.sh: unknown target '$target' (scripts/fuzz.sh list)" >&2; exit 2; }
  if needs_torch "$target" && [ ! -f "$BUILD/src/wrpn/libwrpn_lib.a" ]; then
    echo "fuzz.sh: $target skipped: it links $BUILD/src/wrpn/libwrpn_lib.a (build the tree, or set WRPN_FUZZ_BUILD)"
    return 77
  fi
  build "$target"
  local bin="$OUT/${target}_fuzz" corpus="$OUT/corpus/$target" log="$OUT/$target.log"
  local common=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$OUT/$target-")
  [ -f "fuzz/$target.dict" ] && common+=(-dict="fuzz/$target.dict")
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # Every bug found so far stays fixed: its reproducer runs once, first.
  if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
    "$bin" "${common[@]}" fuzz/regressions/"$target"/* 2>"$OUT/$target-regressions.log" ||
      { cat "$OUT/$target-regressions.log" >&2; echo "fuzz.sh: $target: a committed reproducer fails" >&2; exit 1; }
  fi
  mkdir -p "$corpus"
  cp -n fuzz/corpus/"$target"/* "$corpus/" 2>/dev/null || true
  # -rss_limit_mb (also the malloc limit) and -timeout turn a blow-up or a hang into a failure.
  local rc=0
  "$bin" "$corpus" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 2>"$log" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz.sh: $target failed (exit $rc); log $log, reproducer $OUT/$target-*" >&2
    exit 1
  fi
  local last execs cov ft units
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  units=$(find "$corpus" -type f | wc -l)
  echo "fuzz $target: $execs inputs in $seconds s, cov $cov, ft $ft, corpus $units, 0 crashes"
}

case "${1:-}" in
  list) printf '%s\n' "${TARGETS[@]}" ;;
  all | --long)
    if [ "$1" = --long ]; then
      seconds=300
      if [ -n "${2:-}" ] && [ "$2" != all ]; then run "$2" "$seconds"; exit; fi
    else
      seconds="${2:-60}"
    fi
    for t in "${TARGETS[@]}"; do run "$t" "$seconds" || [ $? = 77 ]; done
    ;;
  "") sed -n '2,17p' "$0" >&2; exit 2 ;;
  *) run "$1" "${2:-60}" ;;
esac
