"""Training, evaluation and the cost model from Python, on wrpn's C++ trainer.

    import wrpn.training as wt
    result = wt.train({"model": "lenet5", "width": 2, "wbits": 4, "abits": 4,
                       "epochs": 2, "out": "runs/lenet"}, progress=print)
    wt.evaluate("runs/lenet/checkpoint.pt")["top1"]
    wt.cost({"model": "resnet20", "width": 2, "wbits": 4, "abits": 4})

A config is the dict `wrpn train --config` reads (docs/TRAINING.md lists the keys); a bad key or
value raises ValueError with the command line's message.
"""
import json

from . import _train


def train(config, resume=False, progress=None, verbose=True):
    """Trains `config` into config["out"] (or resumes it). progress(epoch_metrics: dict) is
    called after every epoch's checkpoint; returning False stops the run there. Returns
    {"epochs_run": n, "last": metrics of the last epoch}."""
    callback = None
    if progress is not None:
        def callback(text):
            return progress(json.loads(text))
    return json.loads(_train.train(json.dumps(config), bool(resume), callback, bool(verbose)))


def evaluate(checkpoint, data="", limit=0, batch_size=256):
    """Test-set loss, top-1 and top-5 (percent) of a checkpoint, with its model and epochs."""
    return json.loads(_train.evaluate(str(checkpoint), str(data), int(limit), int(batch_size)))


def cost(config, batch=1, in_channels=0, input_size=0, classes=0, energy_table=""):
    """The analytic cost report of `wrpn cost --format json` for the config's model, on its
    native input (3x224x224 and 1000 classes for the ImageNet models, ...) unless given, with
    its "energy" (per image and per training step; `energy_table`: a JSON file overriding the
    per-operation energies, as `--energy-table`)."""
    return json.loads(_train.cost(json.dumps(config), int(batch), int(in_channels), int(input_size), int(classes),
                                  str(energy_table)))


__all__ = ["train", "evaluate", "cost"]
