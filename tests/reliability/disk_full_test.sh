#!/usr/bin/env bash
# Full disks and I/O errors (issue 17; docs/RELIABILITY.md, "Full disk and I/O errors"), on small
# tmpfs mounts made here (ctest: Reliability.FullDiskReadOnlyFoldersAndReplacedFiles):
#   1. training from a read-only mounted copy of a tiny Fashion-MNIST works (the reference run);
#   2. training onto a tmpfs that holds one checkpoint but not the old and the new one at once:
#      one "wrpn: error:" line naming checkpoint.pt and "No space left on device", a non-zero
#      exit, no temp file, the epoch-1 checkpoint loads (`wrpn eval`) with the reference's
#      epoch-1 accuracy, and once the tmpfs is grown `--resume` ends where the reference did;
#   3. `wrpn export --out` onto a tmpfs that holds one .wrpn: the same, the first file unchanged;
#   4. `wrpn sweep` whose summaries cannot be written (a finished sweep copied onto a full
#      tmpfs): the same, the old summary files unchanged;
#   5. a read-only output folder (train into an existing and a new folder, export, sweep): one
#      error naming the path and "Read-only file system";
#   6. an imagefolder dataset whose JPEGs are overwritten with garbage while training runs: one
#      error naming the file.
# Usage: disk_full_test.sh WRPN [FASHION_MNIST_DIR]. Exits 77 (skipped, saying why) when not
# root, when a tmpfs cannot be mounted, or without the dataset.
set -euo pipefail
WRPN="$1"
DATA="${2:-/usr/share/datasets/fashion-mnist}"
skip() {
  echo "skipped: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root (running as uid $(id -u))"
[ -f "$DATA/train-images-idx3-ubyte.gz" ] && [ -f "$DATA/t10k-images-idx3-ubyte.gz" ] ||
  skip "no Fashion-MNIST in $DATA (Debian package dataset-fashion-mnist)"

TMP="$(mktemp -d)"
MOUNTS=()
cleanup() {
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# mount_tmpfs DIR KIB: a fresh tmpfs of KIB KiB at DIR.
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=${2}k,mode=0755" tmpfs "$1"
  MOUNTS+=("$1")
}
mkdir "$TMP/probe"
mount -t tmpfs -o size=16k tmpfs "$TMP/probe" 2>"$TMP/probe.err" ||
  skip "cannot mount a tmpfs here: $(cat "$TMP/probe.err")"
umount "$TMP/probe"

# expect_one_error STDERR_FILE NEEDLE... : exactly one "wrpn: error:" line, containing each NEEDLE.
expect_one_error() {
  local err="$1" line
  shift
  [ "$(grep -c '^wrpn: error:' "$err")" = 1 ] || fail "want one 'wrpn: error:' line, got: $(cat "$err")"
  line="$(grep '^wrpn: error:' "$err")"
  for needle in "$@"; do
    case "$line" in *"$needle"*) ;; *) fail "the error does not name '$needle': $line" ;; esac
  done
  echo "  $line"
}
no_temp_files() {
  local left
  left="$(find "$1" -name '*.tmp')"
  [ -z "$left" ] || fail "temp files left behind: $left"
}
kib() { echo $((($(stat -c %s "$1") + 4095) / 4096 * 4)); }  # a file's size in whole 4 KiB pages
metric() { sed -n "$2p" "$1" | grep -o "\"$3\": *[-0-9.e]*" | sed 's/.*: *//'; }

# A tiny Fashion-MNIST (512 training, 128 test images) as raw IDX files, headers rewritten.
idx() {  # idx GZ OUT COUNT DIMS(3 or 1)
  local header="\x00\x00\x08\x0$4$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' 0 0 $(($3 >> 8)) $(($3 & 255)))"
  local per=1 skip=9
  if [ "$4" = 3 ]; then
    header="$header\x00\x00\x00\x1c\x00\x00\x00\x1c"
    per=784
    skip=17
  fi
  { printf "$header"; (set +o pipefail; zcat "$1" | tail -c +$skip | head -c $(($3 * per))); } >"$2"
}
mkdir "$TMP/ds"
idx "$DATA/train-images-idx3-ubyte.gz" "$TMP/ds/train-images-idx3-ubyte" 512 3
idx "$DATA/train-labels-idx1-ubyte.gz" "$TMP/ds/train-labels-idx1-ubyte" 512 1
idx "$DATA/t10k-images-idx3-ubyte.gz" "$TMP/ds/t10k-images-idx3-ubyte" 128 3
idx "$DATA/t10k-labels-idx1-ubyte.gz" "$TMP/ds/t10k-labels-idx1-ubyte" 128 1
RO_DATA="$TMP/ro-data"
mount_tmpfs "$RO_DATA" 2048
cp "$TMP"/ds/* "$RO_DATA/"
mount -o remount,ro "$RO_DATA"
if touch "$RO_DATA/probe" 2>/dev/null; then fail "$RO_DATA is writable after remount,ro"; fi
TRAIN=("$WRPN" train --model mlp --data "$RO_DATA" --epochs 3 --batch-size 64 --lr 0.05 --threads 1 --seed 3)

echo "1. training from a read-only dataset folder ($RO_DATA)"
"${TRAIN[@]}" --out "$TMP/ref" >"$TMP/ref.out" 2>"$TMP/ref.err" || fail "training from $RO_DATA: $(cat "$TMP/ref.err")"
[ "$(wc -l <"$TMP/ref/metrics.jsonl")" = 3 ] || fail "want 3 epochs in $TMP/ref/metrics.jsonl"
CKPT_KIB="$(kib "$TMP/ref/checkpoint.pt")"
echo "  3 epochs, test accuracy $(metric "$TMP/ref/metrics.jsonl" 3 test_acc)%, checkpoint.pt $CKPT_KIB KiB"

echo "2. training onto a full disk"
# Room for config.json, metrics.jsonl and one checkpoint, not for the old and the new at once.
FULL="$TMP/full-train"
mount_tmpfs "$FULL" $((CKPT_KIB * 3 / 2 + 16))
if "${TRAIN[@]}" --out "$FULL/run" >"$TMP/full.out" 2>"$TMP/full.err"; then fail "training onto a full disk exited 0"; fi
expect_one_error "$TMP/full.err" "$FULL/run/checkpoint.pt" "No space left on device"
no_temp_files "$FULL"
"$WRPN" eval --checkpoint "$FULL/run/checkpoint.pt" --threads 1 >"$TMP/eval.out" 2>&1 ||
  fail "the surviving checkpoint does not load: $(cat "$TMP/eval.out")"
grep -q "(epoch 1): test accuracy $(metric "$TMP/ref/metrics.jsonl" 1 test_acc | xargs printf '%.2f')%" "$TMP/eval.out" ||
  fail "the surviving checkpoint is not the reference's epoch 1: $(cat "$TMP/eval.out")"
echo "  the epoch-1 checkpoint loads: $(cat "$TMP/eval.out")"
mount -o remount,size=$((CKPT_KIB * 3 + 64))k "$FULL"
"$WRPN" train --resume --out "$FULL/run" --threads 1 >"$TMP/resume.out" 2>&1 || fail "resume: $(cat "$TMP/resume.out")"
[ "$(metric "$FULL/run/metrics.jsonl" 3 test_acc)" = "$(metric "$TMP/ref/metrics.jsonl" 3 test_acc)" ] ||
  fail "resumed run ends at $(metric "$FULL/run/metrics.jsonl" 3 test_acc)%, the reference at $(metric "$TMP/ref/metrics.jsonl" 3 test_acc)%"
echo "  grown and resumed: epoch 3 test accuracy $(metric "$FULL/run/metrics.jsonl" 3 test_acc)%, as the reference"

echo "3. wrpn export onto a full disk"
"$WRPN" export --checkpoint "$TMP/ref/checkpoint.pt" --out "$TMP/ref.wrpn" >/dev/null 2>"$TMP/export.err" ||
  fail "export: $(cat "$TMP/export.err")"
EXPORT="$TMP/full-export"
mount_tmpfs "$EXPORT" $(($(kib "$TMP/ref.wrpn") + 4))
"$WRPN" export --checkpoint "$TMP/ref/checkpoint.pt" --out "$EXPORT/model.wrpn" >/dev/null 2>"$TMP/export.err" ||
  fail "the first export does not fit: $(cat "$TMP/export.err")"
cmp -s "$TMP/ref.wrpn" "$EXPORT/model.wrpn" || fail "two exports of one checkpoint differ"
if "$WRPN" export --checkpoint "$TMP/ref/checkpoint.pt" --out "$EXPORT/model.wrpn" >/dev/null 2>"$TMP/export.err"; then
  fail "export onto a full disk exited 0"
fi
expect_one_error "$TMP/export.err" "$EXPORT/model.wrpn" "No space left on device"
cmp -s "$TMP/ref.wrpn" "$EXPORT/model.wrpn" || fail "the earlier $EXPORT/model.wrpn was changed"
no_temp_files "$EXPORT"

echo "4. wrpn sweep whose summaries cannot be written"
SWEEP=("$WRPN" sweep --models mlp --widths 0.5 --precisions 2/2 --seeds 1 --no-plots --data "$RO_DATA" --epochs 1
  --batch-size 64 --threads 1)
"${SWEEP[@]}" --out "$TMP/sweep" >"$TMP/sweep.out" 2>&1 || fail "sweep: $(cat "$TMP/sweep.out")"
SFULL="$TMP/full-sweep"
mount_tmpfs "$SFULL" $(($(du -sk "$TMP/sweep" | cut -f1) + 64))
cp -a "$TMP/sweep" "$SFULL/sweep"
dd if=/dev/zero of="$SFULL/filler" bs=4k 2>/dev/null || true  # fills it: ENOSPC ends dd
if "${SWEEP[@]}" --out "$SFULL/sweep" >"$TMP/sweep.out" 2>"$TMP/sweep.err"; then fail "sweep onto a full disk exited 0"; fi
expect_one_error "$TMP/sweep.err" "$SFULL/sweep/summary." "No space left on device"
for f in summary.csv summary.json summary.md; do
  cmp -s "$TMP/sweep/$f" "$SFULL/sweep/$f" || fail "the earlier $SFULL/sweep/$f was changed"
done
no_temp_files "$SFULL"

echo "5. a read-only output folder"
RO_OUT="$TMP/ro-out"
mount_tmpfs "$RO_OUT" 64
mkdir "$RO_OUT/existing"
mount -o remount,ro "$RO_OUT"
for out in "$RO_OUT/existing" "$RO_OUT/new"; do
  if "${TRAIN[@]}" --out "$out" >/dev/null 2>"$TMP/ro.err"; then fail "training into read-only $out exited 0"; fi
  expect_one_error "$TMP/ro.err" "$out" "Read-only file system"
done
if "$WRPN" export --checkpoint "$TMP/ref/checkpoint.pt" --out "$RO_OUT/model.wrpn" >/dev/null 2>"$TMP/ro.err"; then
  fail "export into a read-only folder exited 0"
fi
expect_one_error "$TMP/ro.err" "$RO_OUT/model.wrpn" "Read-only file system"
if "${SWEEP[@]}" --out "$RO_OUT/sweep" >/dev/null 2>"$TMP/ro.err"; then fail "sweep into a read-only folder exited 0"; fi
expect_one_error "$TMP/ro.err" "$RO_OUT/sweep" "Read-only file system"

echo "6. imagefolder JPEGs overwritten while training runs"
# Two 16x16 JPEGs (libjpeg-turbo, quality 75): a dark and a bright class.
jpeg_dark() {
  base64 -d <<'B64'
/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAx
NDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy
MjIyMjIyMjL/wAARCAAQABADAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF
BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW
V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi
4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC
AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm
Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq
8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDyj2/lR/X9XDcP8mjcAH60AHT/ADigD//Z
B64
}
jpeg_bright() {
  base64 -d <<'B64'
/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAx
NDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy
MjIyMjIyMjL/wAARCAAQABADAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF
BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW
V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi
4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC
AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm
Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq
8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD1P2/lR/X9XDcP8mjcAH60AHT/ADigD//Z
B64
}
IMAGES="$TMP/images"
for split in train val; do
  for class in dark bright; do
    mkdir -p "$IMAGES/$split/$class"
    for i in 1 2 3 4; do jpeg_$class >"$IMAGES/$split/$class/$i.jpg"; done
  done
done
RUN="$TMP/full-images"  # a tmpfs: no disk flushes between epochs
mount_tmpfs "$RUN" 4096
"$WRPN" train --model mlp --dataset imagefolder --data "$IMAGES" --image-size 8 --epochs 100000 --batch-size 4 \
  --threads 1 --out "$RUN/run" >"$TMP/images.out" 2>"$TMP/images.err" &
PID=$!
for _ in $(seq 400); do  # up to 20 s for the first epoch's metrics
  [ -s "$RUN/run/metrics.jsonl" ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.05
done
[ -s "$RUN/run/metrics.jsonl" ] || { kill "$PID" 2>/dev/null; fail "no epoch finished: $(cat "$TMP/images.err")"; }
for f in "$IMAGES"/train/*/*.jpg; do printf 'not a JPEG any more' >"$f"; done
for _ in $(seq 400); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$PID" 2>/dev/null; then
  kill "$PID"
  fail "training went on for 20 s after its JPEGs were overwritten"
fi
if wait "$PID"; then fail "training on overwritten JPEGs exited 0"; fi
# Overwritten in place, a file is seen either whole (it no longer decodes) or mid-write (it shrank
# under the reader); both are the one right error, naming the file.
case "$(cat "$TMP/images.err")" in
  *"shrank from"*) expect_one_error "$TMP/images.err" "cannot read $IMAGES/train/" "while being read" ;;
  *) expect_one_error "$TMP/images.err" "cannot decode JPEG $IMAGES/train/" ;;
esac
echo "ok"
