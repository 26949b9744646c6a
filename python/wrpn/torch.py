"""WRPN layers for PyTorch: k-bit weights and k-bit activations, as in wrpn's C++ layers.

    import wrpn.torch as wt
    net = torch.nn.Sequential(wt.QConv2d(3, 32, 3, weight_bits=4, padding=1),
                              torch.nn.BatchNorm2d(32), wt.QReLU(4), ...)

The quantizers are torch.ops.wrpn.quantize_activations / quantize_weights, the training
library's own (../shared/WRPN.md): round half to even, straight-through gradients inside the
clip range. Weights use wrpn's "unit" parametrisation: they live in quantizer units, U(-1, 1)
at initialisation, and the layer multiplies the quantized weights by a constant gain
(sqrt(6 / fan_in)), so low bit widths do not round every weight to zero. With plain SGD, give
those weights a learning rate divided by gain^2 (`param_groups` does), as `wrpn train` does.
"""
import os

import torch

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_ops():
    """Loads libwrpn_torch_ops.so: $WRPN_TORCH_OPS, else the one beside this file."""
    path = os.environ.get("WRPN_TORCH_OPS") or os.path.join(_HERE, "libwrpn_torch_ops.so")
    if not os.path.exists(path):
        raise ImportError(f"wrpn.torch: the operator library {path} does not exist "
                          "(build the wrpn_torch_ops target, or set WRPN_TORCH_OPS)")
    torch.ops.load_library(path)


_load_ops()
quantize_activations = torch.ops.wrpn.quantize_activations
quantize_weights = torch.ops.wrpn.quantize_weights


def _bits(value, what):
    if not (1 <= value <= 8 or value == 32):
        raise ValueError(f"{what} must be 1..8 or 32, got {value}")
    return value


class QReLU(torch.nn.Module):
    """k-bit activation quantizer: round(n * clamp(x, 0, 1)) / n, n = 2^bits - 1; 32 bits is a ReLU."""

    def __init__(self, bits):
        super().__init__()
        self.bits = _bits(bits, "QReLU bits")

    def forward(self, x):
        return quantize_activations(x, self.bits)

    def extra_repr(self):
        return f"bits={self.bits}"


class _UnitWeights:
    """Mixin: weights in quantizer units, U(-1, 1), times a constant gain after quantization."""

    def _init_unit(self, weight_bits, per_channel_alpha):
        self.weight_bits = _bits(weight_bits, "weight bits")
        self.per_channel_alpha = per_channel_alpha
        fan_in = self.weight[0].numel()
        self.gain = torch.ops.wrpn.unit_weight_gain(fan_in)
        with torch.no_grad():
            self.weight.uniform_(-1.0, 1.0)
            if self.bias is not None:
                self.bias.zero_()

    def effective_weight(self):
        """gain * Q(weight): what the layer computes with."""
        return quantize_weights(self.weight, self.weight_bits, self.per_channel_alpha) * self.gain


class QConv2d(_UnitWeights, torch.nn.Conv2d):
    """Conv2d with k-bit weights (WRPN's quantizer; 32 bits: full precision)."""

    def __init__(self, in_channels, out_channels, kernel_size, weight_bits=32, stride=1, padding=0,
                 bias=False, per_channel_alpha=False):
        torch.nn.Conv2d.__init__(self, in_channels, out_channels, kernel_size, stride=stride,
                                 padding=padding, bias=bias)
        self._init_unit(weight_bits, per_channel_alpha)

    def forward(self, x):
        return self._conv_forward(x, self.effective_weight(), self.bias)

    def extra_repr(self):
        return super().extra_repr() + f", weight_bits={self.weight_bits}"


class QLinear(_UnitWeights, torch.nn.Linear):
    """Linear with k-bit weights (WRPN's quantizer; 32 bits: full precision)."""

    def __init__(self, in_features, out_features, weight_bits=32, bias=True, per_channel_alpha=False):
        torch.nn.Linear.__init__(self, in_features, out_features, bias=bias)
        self._init_unit(weight_bits, per_channel_alpha)

    def forward(self, x):
        return torch.nn.functional.linear(x, self.effective_weight(), self.bias)

    def extra_repr(self):
        return super().extra_repr() + f", weight_bits={self.weight_bits}"


def param_groups(model, lr, weight_decay=0.0):
    """SGD parameter groups that compensate the unit parametrisation's gain: a Q-layer's weight
    gets lr / gain^2 and weight decay * gain^2 (the same step in effective-weight space as a
    plain layer's), every other parameter lr and no decay on biases and batch norm."""
    groups, plain = [], []
    for module in model.modules():
        if isinstance(module, _UnitWeights):
            groups.append({"params": [module.weight], "lr": lr / module.gain ** 2,
                           "weight_decay": weight_decay * module.gain ** 2})
            if module.bias is not None:
                plain.append(module.bias)
        elif not list(module.children()):
            plain.extend(p for p in module.parameters(recurse=False))
    groups.append({"params": plain, "lr": lr, "weight_decay": 0.0})
    return groups


__all__ = ["QReLU", "QConv2d", "QLinear", "param_groups", "quantize_activations", "quantize_weights"]
