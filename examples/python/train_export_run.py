#!/usr/bin/env python3
"""A network defined in PyTorch with wrpn.torch's layers, trained on Fashion-MNIST, exported to
.wrpn with wrpn.torch.export and run on wrpn's packed low-bit runtime through wrpn.Model.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/train_export_run.py [--limit N] [--out F]

Prints both engines' test accuracy and how many of the test predictions differ.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch

import wrpn
import wrpn.torch as wt

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST's training-set pixel mean and std (as wrpn's loader)


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def network():
    """Not a zoo model: two conv blocks, an 8-8-4 bit mix, a 4-bit hidden linear layer."""
    return torch.nn.Sequential(
        wt.QConv2d(1, 32, 3, padding=1), torch.nn.BatchNorm2d(32), wt.QReLU(8),           # first layer: float weights
        wt.QConv2d(32, 32, 3, weight_bits=8, padding=1), torch.nn.BatchNorm2d(32), wt.QReLU(4),
        torch.nn.MaxPool2d(2),
        wt.QConv2d(32, 64, 3, weight_bits=4, padding=1), torch.nn.BatchNorm2d(64), wt.QReLU(4),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        wt.QLinear(64 * 7 * 7, 128, weight_bits=4, bias=False), torch.nn.BatchNorm1d(128), wt.QReLU(4),
        wt.QLinear(128, 10))                                                             # last layer: float weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60000, help="training images (one epoch over them)")
    parser.add_argument("--test", type=int, default=2000, help="test images both engines classify")
    parser.add_argument("--out", default="own_network_py.wrpn", help="the .wrpn file to write")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    train_x = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)[: args.limit]
    train_y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8)[: args.limit].astype(np.int64))
    test_x = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)[: args.test]
    test_y = idx("t10k-labels-idx1-ubyte.gz", 8)[: args.test].astype(np.int64)
    normalise = lambda px: (torch.from_numpy(px.astype(np.float32)) / 255.0 - MEAN) / STD

    net = network()
    opt = torch.optim.SGD(wt.param_groups(net, lr=0.05, weight_decay=5e-4), momentum=0.9, nesterov=True)
    order = torch.randperm(len(train_y))
    start = time.time()
    net.train()
    for i in range(0, len(order), 64):
        batch = order[i:i + 64]
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(normalise(train_x[batch.numpy()])), train_y[batch])
        loss.backward()
        opt.step()
        if (i // 64) % 100 == 0:
            done = i + len(batch)
            print(f"  {done}/{len(order)} images, loss {loss.item():.3f}, {done / (time.time() - start):.0f} images/s",
                  flush=True)

    net.eval()
    with torch.no_grad():
        torch_pred = net(normalise(test_x)).argmax(1).numpy()
    result = wt.export(net, normalise(test_x[:1]), args.out, mean=(MEAN,), std=(STD,))
    model = wrpn.Model(args.out)
    logits = model.predict(test_x, threads=args.threads)
    runtime_pred = logits.argmax(1)
    top2 = np.sort(logits, axis=1)[:, -2:]
    differ = int((torch_pred != runtime_pred).sum())
    ties = int((top2[:, 1] == top2[:, 0]).sum())
    print(f"PyTorch: test accuracy {100 * (torch_pred == test_y).mean():.2f}% on {args.test} images")
    print(f"runtime: test accuracy {100 * (runtime_pred == test_y).mean():.2f}% "
          f"({result['bytes']} bytes, format {result['version']})")
    print(f"predictions differ on {differ} of {args.test} images; {ties} exact ties in the runtime's logits")


if __name__ == "__main__":
    main()
