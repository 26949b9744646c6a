#!/usr/bin/env bash
# `wrpn-run` end to end (ctest: WrpnRun.NoLibTorchFixtureOnFashionMnistAndBadInput):
#   - its ldd lists no LibTorch (libtorch*, libc10*): the deployment side links without it;
#   - the format-1.0 LeNet fixture on the first 100 Fashion-MNIST test images gives 100 lines
#     "<image> <class> <max logit>" in order, and --labels' accuracy and per-class counts are
#     the ones those lines and the labels file give;
#   - a corrupt model, an input of the wrong shape, a missing file and an unknown flag each end
#     with one error line naming the file or flag, and a non-zero exit.
# Usage: wrpn_run_test.sh WRPN_RUN SOURCE_DIR FASHION_MNIST_DIR. Exits 77 (skipped) without
# the dataset.
set -euo pipefail
BIN="$1"
SRC="$2"
DATA="$3"
MODEL="$SRC/tests/runtime/fixtures/lenet5_w1.5_2bit_v1.0.wrpn"
IMAGES="$DATA/t10k-images-idx3-ubyte.gz"
LABELS="$DATA/t10k-labels-idx1-ubyte.gz"
if [ ! -f "$IMAGES" ] || [ ! -f "$LABELS" ]; then
  echo "skipped: no Fashion-MNIST test split in $DATA (Debian package dataset-fashion-mnist)"
  exit 77
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. No LibTorch among the shared libraries.
ldd "$BIN" >"$TMP/ldd" || fail "ldd $BIN failed"
if grep -Ei 'libtorch|libc10' "$TMP/ldd"; then fail "$BIN links LibTorch"; fi
echo "ldd: $(wc -l <"$TMP/ldd") libraries, none of them LibTorch"

# 2. Per-image predictions on the first 100 images.
"$BIN" --model "$MODEL" --limit 100 --threads 1 "$IMAGES" >"$TMP/out" || fail "wrpn-run exited $?"
[ "$(grep -c '^#' "$TMP/out")" -eq 2 ] || fail "want a header and a rate line: $(cat "$TMP/out")"
head -1 "$TMP/out" | grep -q '^# model .*: 1x28x28 input, 10 classes' || fail "header: $(head -1 "$TMP/out")"
tail -1 "$TMP/out" | grep -Eq '^# 100 images in [0-9.]+ s on the runtime: [0-9]+ images/s \(1 thread, batch 64\)$' ||
  fail "rate line: $(tail -1 "$TMP/out")"
grep -v '^#' "$TMP/out" >"$TMP/lines"
[ "$(wc -l <"$TMP/lines")" -eq 100 ] || fail "want 100 prediction lines, got $(wc -l <"$TMP/lines")"
grep -Evq '^[0-9]+ [0-9] -?[0-9]+\.[0-9]{6}$' "$TMP/lines" && fail "malformed line: $(grep -Ev '^[0-9]+ [0-9] -?[0-9]+\.[0-9]{6}$' "$TMP/lines" | head -1)"
[ "$(cut -d' ' -f1 "$TMP/lines" | tr '\n' ' ')" = "$(seq -s' ' 0 99) " ] || fail "images not numbered 0..99 in order"

# 3. --labels: the summary agrees with the lines above and the first 100 labels.
"$BIN" --model "$MODEL" --limit 100 --threads 1 --labels "$LABELS" "$IMAGES" >"$TMP/summary" || fail "--labels exited $?"
# No `| head` here: with pipefail, the writer it cuts off (SIGPIPE) would fail the test at random.
gzip -dc "$LABELS" >"$TMP/labels.idx"
od -An -v -tu1 -j 8 -N 100 "$TMP/labels.idx" | tr -s ' ' '\n' | grep -v '^$' >"$TMP/labels"
correct="$(cut -d' ' -f2 "$TMP/lines" | paste -d' ' - "$TMP/labels" | awk '$1 == $2' | wc -l)"
grep -qx "accuracy $(awk -v c="$correct" 'BEGIN { printf "%.2f", c }')% ($correct of 100 images)" "$TMP/summary" ||
  fail "want $correct of 100 correct: $(cat "$TMP/summary")"
counts="$(for c in $(seq 0 9); do printf ' %d:%d' "$c" "$(cut -d' ' -f2 "$TMP/lines" | grep -cx "$c" || true)"; done)"
grep -qx "predicted per class (class:images):$counts" "$TMP/summary" || fail "want counts$counts: $(cat "$TMP/summary")"

# 3b. --profile: the same predictions, then a row per node with its kernel; shares sum to ~100%.
"$BIN" --model "$MODEL" --limit 100 --threads 1 --profile "$IMAGES" >"$TMP/profiled" || fail "--profile exited $?"
grep -v '^#' "$TMP/profiled" | grep -E '^[0-9]+ [0-9] -?[0-9]' >"$TMP/plines"
cmp -s "$TMP/plines" "$TMP/lines" || fail "--profile changed the predictions"
grep -qE '^ +0  conv2d +' "$TMP/profiled" || fail "no conv2d row for node 0: $(tail -12 "$TMP/profiled")"
total="$(grep -E '^ +[0-9]+  [a-z_0-9]+ ' "$TMP/profiled" | awk '{ s += substr($NF, 1, length($NF) - 1) } END { printf "%.0f", s }')"
[ "$total" -ge 99 ] && [ "$total" -le 101 ] || fail "profile shares sum to $total%: $(tail -12 "$TMP/profiled")"
grep -q '^share by op: ' "$TMP/profiled" || fail "no per-op shares"

# 4. Bad input: one line naming the file or flag, non-zero exit.
expect_error() {  # expected exit code, text the message must hold, wrpn-run arguments...
  local want_rc="$1" text="$2" rc=0
  shift 2
  "$BIN" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err" || rc=$?
  [ "$rc" -eq "$want_rc" ] || fail "$* exited $rc, want $want_rc"
  [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] || fail "$*: want one error line: $(cat "$TMP/bad.err")"
  grep -qF "wrpn-run: error: " "$TMP/bad.err" && grep -qF -- "$text" "$TMP/bad.err" ||
    fail "$*: want '$text' in: $(cat "$TMP/bad.err")"
}
cp "$MODEL" "$TMP/corrupt.wrpn"
printf '\xff' | dd of="$TMP/corrupt.wrpn" bs=1 seek=3000 conv=notrunc status=none
expect_error 1 "$TMP/corrupt.wrpn: " --model "$TMP/corrupt.wrpn" "$IMAGES"
head -c 100 "$MODEL" >"$TMP/truncated.wrpn"
expect_error 1 "$TMP/truncated.wrpn: " --model "$TMP/truncated.wrpn" "$IMAGES"
expect_error 1 "$IMAGES: IDX images are 1x28x28 (CxHxW), the model $SRC/fuzz/corpus/model_loader/resnet20_w0.25_3-4.wrpn takes 3x32x32" \
  --model "$SRC/fuzz/corpus/model_loader/resnet20_w0.25_3-4.wrpn" "$IMAGES"
expect_error 1 "model file $TMP/none.wrpn" --model "$TMP/none.wrpn" "$IMAGES"
expect_error 1 "input file $TMP/none.idx does not exist" --model "$MODEL" "$TMP/none.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03' >"$TMP/labels3"
expect_error 1 "labels file $TMP/labels3 has 3 labels for 100 images" --model "$MODEL" --limit 100 --labels "$TMP/labels3" "$IMAGES"
expect_error 2 "--bogus" --model "$MODEL" --bogus "$IMAGES"
echo "PASS"
