"""wrpn from Python: Wide Reduced-Precision Networks.

    import wrpn
    model = wrpn.Model("lenet5.wrpn")          # the packed low-bit runtime, no LibTorch
    logits = model.predict(images)             # (N, C, H, W) uint8 pixels or float32
    wrpn.train({...}); wrpn.evaluate(path); wrpn.cost({...})   # the C++ trainer (wrpn.training)
    import wrpn.torch                          # WRPN layers for PyTorch networks

Only what is used is loaded: wrpn.Model needs neither torch nor LibTorch.
"""
from ._runtime import Model

__version__ = "0.1.0"


def __getattr__(name):
    if name in ("train", "evaluate", "cost"):
        from . import training
        return getattr(training, name)
    raise AttributeError(f"module 'wrpn' has no attribute {name!r}")


__all__ = ["Model", "train", "evaluate", "cost"]
