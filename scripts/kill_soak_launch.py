#!/usr/bin/python3
"""Starts a command and SIGKILLs it at a chosen kind of moment (scripts/kill_soak.sh).

  kill_soak_launch.py MODE ARG FOLDER LOG -- COMMAND...

MODE after:     kill ARG seconds after the start.
MODE write:     kill the command's process group at the first sight of a checkpoint's temp
                file (checkpoint.pt.tmp*) anywhere under FOLDER, i.e. inside its atomic
                write; ARG is ignored.
MODE epoch-end: kill U(0, ARG) s after the epoch's last mid-epoch checkpoint appears
                (FOLDER's checkpoint-step<N>.pt, N the steps done, with fewer than 3 steps
                left in the epoch: 64 steps per epoch, one checkpoint every 3), so that the
                kill lands on the epoch's last steps, its evaluation, or the writes after it.
Prints one line, "killed <what it was doing>" or "finished", and exits 0 when it killed the
command, 1 when the command finished by itself with status 0, 2 when it failed.
"""
import os
import random
import re
import signal
import subprocess
import sys
import time

STEPS_PER_EPOCH = 64  # kill_soak.sh's recipe: 2048 images, batch 32
CHECKPOINT_EVERY = 3


def temp_files(folder):
    found = []
    for root, _dirs, files in os.walk(folder):
        found += [os.path.join(root, f) for f in files if f.startswith("checkpoint.pt.tmp")]
    return found


def epoch_end_checkpoints(folder):
    names = os.listdir(folder) if os.path.isdir(folder) else []
    steps = [int(m.group(1)) for m in (re.match(r"checkpoint-step(\d+)\.pt$", n) for n in names) if m]
    return {s for s in steps if 0 < STEPS_PER_EPOCH - s % STEPS_PER_EPOCH < CHECKPOINT_EVERY}


def main():
    mode, arg, folder, log = sys.argv[1:5]
    assert sys.argv[5] == "--"
    with open(log, "ab") as out:
        # Its own process group: a write kill takes the whole job at once (a sweep and its runs,
        # as a scheduler's kill does); the other kills take the command alone, so that a
        # sweep's runs must die with it (PR_SET_PDEATHSIG).
        proc = subprocess.Popen(sys.argv[6:], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    start = time.monotonic()
    seen_ends = epoch_end_checkpoints(folder)
    deadline = start + float(arg) if mode == "after" else None
    what = None
    while proc.poll() is None:
        now = time.monotonic()
        if mode == "after" and now >= deadline:
            what = f"after {float(arg):.3f} s"
        elif mode == "write":
            tmp = temp_files(folder)
            if tmp:
                what = "inside the write of " + os.path.relpath(tmp[0], folder)
        elif mode == "epoch-end" and deadline is None:
            new = epoch_end_checkpoints(folder) - seen_ends
            if new:
                deadline = now + random.uniform(0, float(arg))
                step = max(new)
        elif mode == "epoch-end" and now >= deadline:
            what = f"at the end of epoch {step // STEPS_PER_EPOCH + 1} (after the checkpoint at step {step})"
        if what:
            if mode == "write":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            if mode == "write" and not any(os.path.exists(t) for t in temp_files(folder)):
                what += " (the write had ended)"
            print("killed " + what)
            return 0
        time.sleep(0.0002 if mode == "write" else 0.002)
    print("finished" if proc.returncode == 0 else f"failed with status {proc.returncode}")
    return 1 if proc.returncode == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
