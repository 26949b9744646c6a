#!/usr/bin/env bash
# Crash consistency of training: SIGKILLs `wrpn train` (and then a `wrpn sweep --jobs 2`) again
# and again, relaunching the same command with --resume appended each time (as a job scheduler
# would), and checks at the end that every run equals an uninterrupted one bit for bit (the
# exported .wrpn, every tensor of the checkpoint: model, optimiser, RNG; metrics.jsonl without
# its wall-clock fields) and that after every kill the run folder's checkpoint still loads.
# Of the train kills, one in four lands inside a checkpoint's atomic write (seen by its temp
# file), one in four at an epoch's end (its last steps, evaluation, metrics and checkpoint),
# two in four at random moments; half the sweep kills inside a write (scripts/kill_soak_launch.py).
#
#   scripts/kill_soak.sh WRPN [TRAIN_KILLS] [SWEEP_KILLS] [WORK_DIR]
#
# Defaults: 40 kills of train, 10 of the sweep (50 in all). Prints a summary line
#   "kill-soak: K kills (W inside a checkpoint write, E at an epoch's end), L launches, ...,
#    0 differences, 0 unreadable"
# and exits non-zero on any difference or unreadable folder. 1 thread, fixed seed. Each kill's
# moment is listed in WORK_DIR/kills.txt.
set -euo pipefail
WRPN="$(realpath "$1")"
TRAIN_KILLS="${2:-40}"
SWEEP_KILLS="${3:-10}"
WORK="${4:-$(mktemp -d /tmp/wrpn-kill-soak.XXXXXX)}"
DATA=/usr/share/datasets/fashion-mnist
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  echo "skipped: no Fashion-MNIST in $DATA (Debian package dataset-fashion-mnist)"
  exit 77
fi
PYTHON=/usr/bin/python3
LAUNCH="$(dirname "$(realpath "$0")")/kill_soak_launch.py"
mkdir -p "$WORK"
cd "$WORK"
rm -rf ref other-seed killed-* sweep-ref sweep-killed-* ./*.log kills.txt

# 64 steps per epoch, a checkpoint every 3 steps and at each epoch's end, evaluation each epoch.
RECIPE=(train --model mlp --wbits 2 --abits 4 --epochs 3 --batch-size 32 --limit-train 2048 --limit-test 512
  --threads 1 --checkpoint-every 3 --keep-checkpoints 2)
TRAIN=("${RECIPE[@]}" --seed 7)

kills=0 during_write=0 at_epoch_end=0 relaunches=0 unreadable=0 differences=0 runs=0 sweeps=0

now() { date +%s.%N; }
# Floating-point arithmetic and comparisons (awk: present on every Debian). printf, not print:
# print's "%.6g" turned the epoch time 1796291715.2 into 1.79629e+09, so every kill landed at
# once or hours late.
calc() { awk "BEGIN { printf \"%.6f\", ($*) }"; }

# The checkpoint in $1 (if any) loads and exports: the folder was left readable.
check_readable() {
  local ckpt="$1/checkpoint.pt"
  [ -f "$ckpt" ] || return 0
  if ! "$WRPN" export --checkpoint "$ckpt" --out "$WORK/probe.wrpn" >/dev/null 2>"$WORK/probe.err"; then
    echo "UNREADABLE after a kill: $ckpt: $(cat "$WORK/probe.err")"
    unreadable=$((unreadable + 1))
  fi
}

# kill MODE ARG FOLDER LOG COMMAND...: runs COMMAND under scripts/kill_soak_launch.py, which
# SIGKILLs it at a moment of the MODE's kind (after: ARG s; write: inside a checkpoint's
# atomic write; epoch-end: within ARG s of the epoch's last mid-epoch checkpoint). Returns 0
# when it was killed (tallied by what it was doing), 1 when it finished with status 0.
kill_at() {
  local mode="$1" arg="$2" folder="$3" log="$4" said
  shift 4
  said=$("$PYTHON" "$LAUNCH" "$mode" "$arg" "$folder" "$log" -- "$@") || {
    local rc=$?
    if [ "$rc" = 1 ]; then return 1; fi
    echo "FAILED without a kill ($said): $*"
    tail -5 "$log"
    exit 1
  }
  echo "$said" >>"$WORK/kills.txt"
  case "$said" in
    *"(the write had ended)"*) ;;
    *"inside the write"*) during_write=$((during_write + 1)) ;;
    *"at the end of epoch"*) at_epoch_end=$((at_epoch_end + 1)) ;;
  esac
  return 0
}

# Random delay in [base, base + span) seconds.
random_delay() { calc "$1 + $2 * $RANDOM / 32768"; }

# --- wrpn train ---------------------------------------------------------------------------
t0=$(now)
"$WRPN" "${TRAIN[@]}" --out ref >ref.log 2>&1 &
ref_pid=$!
while [ ! -f ref/config.json ] && kill -0 "$ref_pid" 2>/dev/null; do sleep 0.01; done
startup=$(calc "$(now) - $t0")
wait "$ref_pid"
total=$(calc "$(now) - $t0")
# Expected progress per launch: 1.5x the run's training time / kills, so that the kills fall
# over the whole run (steps, checkpoint writes, evaluations) rather than at its start only.
span=$(calc "3 * ($total - $startup) / $TRAIN_KILLS")
echo "reference run: ${total}s (start-up ${startup}s); kills after start-up + U(0, ${span}s)"

# Same run, bit for bit: the .wrpn, the checkpoint's tensors, metrics.jsonl.
compare_runs() {
  local a="$1" b="$2"
  # Exported from one path: a .wrpn names the checkpoint it came from.
  mkdir -p "$WORK/same-path"
  cp "$a/checkpoint.pt" "$WORK/same-path/checkpoint.pt"
  "$WRPN" export --checkpoint "$WORK/same-path/checkpoint.pt" --out "$WORK/a.wrpn" >/dev/null
  cp "$b/checkpoint.pt" "$WORK/same-path/checkpoint.pt"
  "$WRPN" export --checkpoint "$WORK/same-path/checkpoint.pt" --out "$WORK/b.wrpn" >/dev/null
  if ! cmp -s "$WORK/a.wrpn" "$WORK/b.wrpn"; then
    echo "DIFFERENT exports: $a $b"
    differences=$((differences + 1))
  fi
  if ! "$PYTHON" - "$a" "$b" <<'EOF'; then
import json, sys
def metrics(run):
    rows = [json.loads(l) for l in open(run + "/metrics.jsonl") if l.strip()]
    for r in rows:
        r.pop("img_per_s"); r.pop("epoch_seconds"); r.pop("peak_step_mb")
    return rows
a, b = metrics(sys.argv[1]), metrics(sys.argv[2])
if a != b:
    print("DIFFERENT metrics.jsonl:", sys.argv[1], sys.argv[2]); sys.exit(1)
try:
    import torch
except ImportError:
    sys.exit(0)
ta = torch.jit.load(sys.argv[1] + "/checkpoint.pt")
tb = torch.jit.load(sys.argv[2] + "/checkpoint.pt")
# Everything the checkpoint holds: the model, the optimiser's state and the RNG.
sa, sb = ta.state_dict(), tb.state_dict()
if not any(k.startswith("model.") for k in sa):
    print("NO MODEL TENSORS in", sys.argv[1] + "/checkpoint.pt"); sys.exit(1)
if sa.keys() != sb.keys() or any(not torch.equal(sa[k], sb[k]) for k in sa):
    print("DIFFERENT checkpoint tensors:", sys.argv[1], sys.argv[2]); sys.exit(1)
EOF
    differences=$((differences + 1))
  fi
}
# The comparison can fail: a run with another seed must be found different (and is not counted).
"$WRPN" "${RECIPE[@]}" --seed 8 --out other-seed >other-seed.log 2>&1
compare_runs ref other-seed >/dev/null
if ((differences != 2)); then
  echo "SELF-CHECK FAILED: a run with another seed compared as equal ($differences of 2 comparisons differ)"
  exit 1
fi
differences=0

# Kills until TRAIN_KILLS have landed; a run that finishes between two kills is compared and
# the next launch starts a new run folder.
runs=1
folder=killed-1
while ((kills < TRAIN_KILLS)); do
  args=("${TRAIN[@]}" --out "$folder")
  [ -e "$folder/config.json" ] && args+=(--resume)
  relaunches=$((relaunches + 1))
  # One kill in four inside a checkpoint write, one at an epoch's end, two at random moments.
  case $((relaunches % 4)) in
    1) mode=write arg=0 ;;
    2) mode=epoch-end arg=0.08 ;;
    *) mode=after arg=$(random_delay "$startup" "$span") ;;
  esac
  if kill_at "$mode" "$arg" "$folder" "$folder.log" "$WRPN" "${args[@]}"; then
    kills=$((kills + 1))
    check_readable "$folder"
  else
    compare_runs ref "$folder"
    runs=$((runs + 1))
    folder=killed-$runs
  fi
done
if [ -e "$folder/config.json" ]; then
  "$WRPN" "${TRAIN[@]}" --out "$folder" --resume >>"$folder.log" 2>&1
  compare_runs ref "$folder"
else
  runs=$((runs - 1))
fi

# --- wrpn sweep --jobs 2 --------------------------------------------------------------------
cat >grid.json <<'EOF'
{"models": ["mlp"], "widths": [1, 2], "precisions": ["2/4"], "seeds": [3],
 "train": {"epochs": 2, "batch_size": 32, "limit_train": 1024, "limit_test": 256, "checkpoint_every": 4}}
EOF
SWEEP=(sweep --config grid.json --jobs 2 --no-plots)
t0=$(now)
"$WRPN" "${SWEEP[@]}" --out sweep-ref >sweep-ref.log 2>&1
sweep_total=$(calc "$(now) - $t0")
sweep_span=$(calc "3 * $sweep_total / $SWEEP_KILLS")
sweeps=1
folder=sweep-killed-1
sweep_kills=0
compare_sweeps() {
  for run in sweep-ref/runs/*/; do compare_runs "${run%/}" "$1/runs/$(basename "$run")"; done
}
while ((sweep_kills < SWEEP_KILLS)); do
  relaunches=$((relaunches + 1))
  if ((relaunches % 2)); then mode=write arg=0; else mode=after arg=$(random_delay 0.2 "$sweep_span"); fi
  if kill_at "$mode" "$arg" "$folder" "$folder.log" "$WRPN" "${SWEEP[@]}" --out "$folder"; then
    kills=$((kills + 1))
    sweep_kills=$((sweep_kills + 1))
    for run in "$folder"/runs/*/; do [ -d "$run" ] && check_readable "${run%/}"; done
  else
    compare_sweeps "$folder"
    sweeps=$((sweeps + 1))
    folder=sweep-killed-$sweeps
  fi
done
"$WRPN" "${SWEEP[@]}" --out "$folder" >>"$folder.log" 2>&1
compare_sweeps "$folder"

echo "kill-soak: $kills kills ($during_write inside a checkpoint write, $at_epoch_end at an epoch's end), $relaunches launches, $runs train runs and $sweeps sweeps compared, $differences differences, $unreadable unreadable"
((differences == 0 && unreadable == 0))
