#!/usr/bin/python3
"""The int8 peer of `wrpn bench infer`: the same 1x networks quantized to int8 with
PyTorch's own post-training quantization on its oneDNN engine (Debian's python3-torch
1.13.1, the same oneDNN 2.6.3 LibTorch links): u8 activations, s8 weights with
per-channel scales, conv + batch norm + ReLU fused, what a user who wants "int8 on
this CPU" runs instead of wrpn. Prints images/s next to the same network in FP32.

usage: bench/peers/int8_onednn_peer.py [--models vgg_small:fmnist,vgg_small:cifar,resnet20:cifar,resnet18:imagenet]
           [--batches 1,64] [--threads 1,2] [--rounds 3] [--seconds 0.3]
Differences from wrpn's networks, none of which favours wrpn: ResNet-20's two
channel-changing shortcuts are 1x1 convolutions here (wrpn pads channels, option A);
they are under 1% of its multiply-adds."""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

FORMS = {"fmnist": (1, 28), "cifar": (3, 32), "imagenet": (3, 224)}


def conv_bn_relu(cin, cout, k=3, stride=1, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VggSmall(nn.Module):  # wrpn's vgg_small: 16-16-pool-32-32-pool-64, global average pool, linear
    def __init__(self, cin):
        super().__init__()
        self.body = nn.Sequential(conv_bn_relu(cin, 16), conv_bn_relu(16, 16), nn.MaxPool2d(2),
                                  conv_bn_relu(16, 32), conv_bn_relu(32, 32), nn.MaxPool2d(2), conv_bn_relu(32, 64))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.body(x), 1), 1))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = conv_bn_relu(cin, cout, 3, stride)
        self.c2 = conv_bn_relu(cout, cout, 3, 1, relu=False)
        self.down = conv_bn_relu(cin, cout, 1, stride, relu=False) if stride != 1 or cin != cout else None
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.c2(self.c1(x)) + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self, cin, widths, blocks, imagenet):
        super().__init__()
        stem = [conv_bn_relu(cin, widths[0], 7, 2)] if imagenet else [conv_bn_relu(cin, widths[0])]
        if imagenet:
            stem.append(nn.MaxPool2d(3, 2, 1))
        layers, c = stem, widths[0]
        for s, (w, n) in enumerate(zip(widths, blocks)):
            for b in range(n):
                layers.append(Basic(c, w, 2 if s > 0 and b == 0 else 1))
                c = w
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(c, 10)  # 10 classes in every form, as `wrpn bench infer` builds them

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.body(x), 1), 1))


def build(name, cin):
    if name == "vgg_small":
        return VggSmall(cin)
    if name == "resnet20":
        return ResNet(cin, [16, 32, 64], [3, 3, 3], False)
    if name == "resnet18":
        return ResNet(cin, [64, 128, 256, 512], [2, 2, 2, 2], True)
    raise SystemExit(f"unknown model {name!r} (vgg_small, resnet20, resnet18)")


def int8(model, example):
    torch.backends.quantized.engine = "onednn"
    prepared = prepare_fx(model, get_default_qconfig_mapping("onednn"), (example,))
    with torch.no_grad():
        for _ in range(4):
            prepared(torch.rand_like(example))
    return convert_fx(prepared)


def rate(fn, batch, seconds):
    fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= 2:
            return calls * batch / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="vgg_small:fmnist,vgg_small:cifar,resnet20:cifar,resnet18:imagenet")
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=0.3)
    a = ap.parse_args()
    print(f"torch {torch.__version__}, quantized engine onednn, {torch.backends.mkldnn.is_available() and 'oneDNN'}")
    print(f"{'network':<20} {'batch':>5} {'threads':>7} {'FP32 img/s':>12} {'int8 img/s':>12} {'int8/FP32':>10}")
    for entry in a.models.split(","):
        name, form = entry.split(":")
        cin, size = FORMS[form]
        for batch in [int(b) for b in a.batches.split(",")]:
            if name == "resnet18" and batch > 16:
                batch = 16  # the ImageNet-form batch
            x = torch.rand(batch, cin, size, size)
            fp32 = build(name, cin).eval()
            q = int8(build(name, cin).eval(), x)
            for t in [int(v) for v in a.threads.split(",")]:
                torch.set_num_threads(t)
                fr, qr = [], []
                with torch.no_grad():
                    for _ in range(a.rounds):
                        fr.append(rate(lambda: fp32(x), batch, a.seconds))
                        qr.append(rate(lambda: q(x), batch, a.seconds))
                f, i = statistics.median(fr), statistics.median(qr)
                print(f"{name + ' ' + form:<20} {batch:>5} {t:>7} {f:>12.1f} {i:>12.1f} {i / f:>9.2f}x", flush=True)


if __name__ == "__main__":
    main()
