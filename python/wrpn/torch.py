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


def wide(channels, width):
    """A hidden layer's channels at width multiplier `width`: max(1, round(channels * width)),
    halves away from zero, as wrpn's models widen theirs (`--width`)."""
    return torch.ops.wrpn.widen(int(channels), float(width))


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




# --- export: a traced PyTorch network -> .wrpn --------------------------------------------------

class ExportError(ValueError):
    """A construct the runtime has no op for, named by its module path or function."""


def _act_bits(module):
    if isinstance(module, QReLU):
        return module.bits
    if isinstance(module, torch.nn.ReLU):
        return 32
    return None


def export(model, example_input, path, mean=(0.0,), std=(1.0,), info=None):
    """Traces `model` (torch.fx) and writes it to `path` as a .wrpn model for wrpn.Model, the C
    API and `wrpn-run`. example_input: one batch (N, C, H, W) with H == W. mean/std: the
    normalisation of a pixel p as (p / 255 - mean) / std, per channel (or one for all).

    Supported: QConv2d / Conv2d, QLinear / Linear, BatchNorm2d / BatchNorm1d right after them
    (or alone before an activation), QReLU / ReLU after those or after an addition, MaxPool2d,
    AvgPool2d, AdaptiveAvgPool2d(1), Flatten / torch.flatten, + and torch.cat(dim=1). Anything
    else raises ExportError naming the first unsupported module or function."""
    import json
    import operator

    import torch.fx

    from . import _train

    was_training = model.training
    model.eval()
    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualified_name):  # wrpn's layers are ops, not code to trace
            return isinstance(m, (QReLU, QConv2d, QLinear)) or super().is_leaf_module(m, qualified_name)

    graph = Tracer().trace(model)
    modules = dict(model.named_modules())
    nodes = [n for n in graph.nodes]
    users = {n: list(n.users) for n in nodes}
    ops, tensors, value = [], [], {}
    consumed = set()

    def tensor(t):
        tensors.append(t.detach().to("cpu", torch.float32).contiguous().numpy())
        return len(tensors) - 1

    def only_user(node):
        u = users[node]
        return u[0] if len(u) == 1 else None

    def module_of(node):
        return modules.get(node.target) if node is not None and node.op == "call_module" else None

    def batch_norm(bn):
        return {"weight": tensor(bn.weight), "bias": tensor(bn.bias), "mean": tensor(bn.running_mean),
                "var": tensor(bn.running_var), "eps": float(bn.eps)}

    def emit(node, op):
        ops.append(op)
        value[node] = len(ops)
        return op

    def fuse_tail(node, op, bn_types):
        """Folds a following batch norm and activation into op; returns the last node used."""
        last = node
        nxt = only_user(last)
        m = module_of(nxt)
        if isinstance(m, bn_types) and bn_types:
            op["bn"] = batch_norm(m)
            consumed.add(nxt)
            last = nxt
            nxt = only_user(last)
            m = module_of(nxt)
        if _act_bits(m) is not None:
            op["act"] = _act_bits(m)
            consumed.add(nxt)
            last = nxt
        return last

    def arg(node, i=0):
        a = node.args[i]
        if a not in value:
            raise ExportError(f"{node.name}: its input {a} has no exported value")
        return value[a]

    for node in nodes:
        if node in consumed or node.op == "output":
            continue
        if node.op == "placeholder":
            value[node] = 0
            continue
        m = module_of(node)
        where = f"module '{node.target}' ({type(m).__name__})" if m is not None else f"'{node.target}'"
        if isinstance(m, torch.nn.Conv2d):
            if m.groups != 1 or m.dilation != (1, 1) or m.stride[0] != m.stride[1] or m.padding[0] != m.padding[1]:
                raise ExportError(f"{where}: only groups 1, dilation 1 and square strides and paddings export")
            unit = isinstance(m, QConv2d)
            op = {"op": "conv", "x": arg(node), "in": m.in_channels, "out": m.out_channels,
                  "kernel": list(m.kernel_size), "stride": m.stride[0], "padding": m.padding[0],
                  "weight_bits": m.weight_bits if unit else 32,
                  "per_channel_alpha": bool(getattr(m, "per_channel_alpha", False)), "unit": unit,
                  "weight": tensor(m.weight), "bias": tensor(m.bias) if m.bias is not None else -1,
                  "bn": None, "act": None}
            last = fuse_tail(node, op, torch.nn.BatchNorm2d)
            emit(node, op)
            value[last] = value[node]
        elif isinstance(m, torch.nn.Linear):
            unit = isinstance(m, QLinear)
            op = {"op": "linear", "x": arg(node), "in": m.in_features, "out": m.out_features,
                  "weight_bits": m.weight_bits if unit else 32,
                  "per_channel_alpha": bool(getattr(m, "per_channel_alpha", False)), "unit": unit,
                  "weight": tensor(m.weight), "bias": tensor(m.bias) if m.bias is not None else -1,
                  "bn": None, "act": None}
            last = fuse_tail(node, op, torch.nn.BatchNorm1d)
            emit(node, op)
            value[last] = value[node]
        elif isinstance(m, torch.nn.BatchNorm2d):
            op = {"op": "batch_norm", "x": arg(node), "bn": batch_norm(m), "act": None}
            last = fuse_tail(node, op, ())
            emit(node, op)
            value[last] = value[node]
        elif isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
            k, s, p = (m.kernel_size, m.stride, m.padding)
            k, s, p = [(v if isinstance(v, int) else v[0]) for v in (k, s, p)]
            if getattr(m, "ceil_mode", False) or (isinstance(m, torch.nn.AvgPool2d) and not m.count_include_pad):
                raise ExportError(f"{where}: ceil_mode and count_include_pad=False have no runtime op")
            emit(node, {"op": "max_pool" if isinstance(m, torch.nn.MaxPool2d) else "avg_pool", "x": arg(node),
                        "kernel": k, "stride": s, "padding": p})
        elif isinstance(m, torch.nn.AdaptiveAvgPool2d) and m.output_size in (1, (1, 1)):
            emit(node, {"op": "global_avg_pool", "x": arg(node)})
        elif isinstance(m, torch.nn.Flatten) or (node.op == "call_function" and node.target is torch.flatten):
            emit(node, {"op": "flatten", "x": arg(node)})
        elif node.op == "call_function" and node.target in (operator.add, torch.add):
            op = {"op": "add", "a": arg(node, 0), "b": arg(node, 1), "act": None}
            last = fuse_tail(node, op, ())
            emit(node, op)
            value[last] = value[node]
        elif node.op == "call_function" and node.target is torch.cat:
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            if dim != 1:
                raise ExportError(f"{node.name}: torch.cat exports along channels (dim=1) only, got dim={dim}")
            parts = []
            for p in node.args[0]:
                if p not in value:
                    raise ExportError(f"{node.name}: its input {p} has no exported value")
                parts.append(value[p])
            emit(node, {"op": "concat", "parts": parts})
        elif _act_bits(m) is not None:
            raise ExportError(f"{where}: an activation needs a conv, linear, batch norm or + right before it")
        else:
            what = where if m is not None or node.op != "call_function" else f"function {getattr(node.target, '__name__', node.target)}"
            raise ExportError(f"{what} has no runtime op")
    out = [n for n in nodes if n.op == "output"][0].args[0]
    if out not in value:
        raise ExportError(f"the output {out} has no exported value")
    n, c, h, w = example_input.shape
    if h != w:
        raise ExportError(f"export takes square inputs, got {h}x{w}")
    channel = lambda v: [float(x) for x in (list(v) * c if len(v) == 1 else v)]
    try:
        result = _train.export_graph(json.dumps({"ops": ops, "output": value[out]}), tensors, c, h, channel(mean),
                                     channel(std), json.dumps(info or {"source": "wrpn.torch.export"}), str(path))
    finally:
        model.train(was_training)
    return json.loads(result)


__all__ = ["QReLU", "QConv2d", "QLinear", "wide", "param_groups", "export", "ExportError", "quantize_activations",
           "quantize_weights"]
