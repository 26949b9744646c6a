"""wrpn.torch.export: PyTorch networks of wrpn.torch layers -> .wrpn, run by wrpn.Model."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import wrpn
import wrpn.torch as wt

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(SOURCE, "examples", "python", "train_export_run.py")


@pytest.mark.skipif(not os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_the_example_trains_exports_and_predicts_the_same_on_two_thousand_images(tmp_path):
    out = subprocess.run([sys.executable, EXAMPLE, "--limit", "6000", "--test", "2000", "--out", str(tmp_path / "n.wrpn")],
                         check=True, capture_output=True, text=True, env=dict(os.environ)).stdout
    lines = {l.split(":")[0]: l for l in out.splitlines() if ":" in l}
    torch_acc = float(lines["PyTorch"].split("accuracy ")[1].split("%")[0])
    runtime_acc = float(lines["runtime"].split("accuracy ")[1].split("%")[0])
    assert torch_acc > 75.0, out  # 6,000 images, one pass: chance is 10%
    assert "predictions differ on 0 of 2000 images" in out, out
    assert runtime_acc == torch_acc, out


class Branchy(torch.nn.Module):
    """A residual addition, a concatenation of a pooled branch, an average pool: format 1.1."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(wt.QConv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), wt.QReLU(4))
        self.a = wt.QConv2d(8, 8, 3, weight_bits=4, padding=1)
        self.a_bn = torch.nn.BatchNorm2d(8)
        self.act = wt.QReLU(4)
        self.b = wt.QConv2d(8, 8, 1, weight_bits=2)
        self.b_bn = torch.nn.BatchNorm2d(8)
        self.b_act = wt.QReLU(4)
        self.pool = torch.nn.AvgPool2d(3, 1, 1)
        self.proj = wt.QConv2d(8, 8, 1, weight_bits=4)
        self.proj_bn = torch.nn.BatchNorm2d(8)
        self.proj_act = wt.QReLU(4)
        self.head = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), wt.QLinear(16, 5))

    def forward(self, x):
        x = self.stem(x)
        y = self.act(self.a_bn(self.a(x)) + x)
        z = self.b_act(self.b_bn(self.b(y)))
        p = self.proj_act(self.proj_bn(self.proj(self.pool(y))))
        return self.head(torch.cat([z, p], 1))


def test_additions_concatenations_and_average_pools_export_with_the_same_logits(tmp_path):
    torch.manual_seed(0)
    net = Branchy()
    x = torch.randn(32, 3, 12, 12)
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(x)  # batch-norm statistics away from (0, 1)
    net.eval()
    result = wt.export(net, x[:1], tmp_path / "b.wrpn")
    assert result["version"] == "1.1"  # avg_pool and concat
    # mean 0, std 1: the runtime takes float inputs as they are.
    got = wrpn.Model(str(tmp_path / "b.wrpn")).predict(x.numpy())
    with torch.no_grad():
        want = net(x).numpy()
    assert (got.argmax(1) == want.argmax(1)).sum() >= 31
    assert np.abs(got - want).mean() < 0.02 * (np.abs(want).mean() + 1e-3)


def test_what_has_no_runtime_op_is_named(tmp_path):
    x = torch.randn(2, 1, 8, 8)
    with pytest.raises(wt.ExportError, match=r"module '1' \(Sigmoid\) has no runtime op"):
        wt.export(torch.nn.Sequential(wt.QConv2d(1, 4, 3), torch.nn.Sigmoid()), x, tmp_path / "s.wrpn")
    with pytest.raises(wt.ExportError, match="an activation needs a conv, linear, batch norm or"):
        wt.export(torch.nn.Sequential(wt.QReLU(4), wt.QConv2d(1, 4, 3)), x, tmp_path / "a.wrpn")
    with pytest.raises(wt.ExportError, match="ceil_mode"):
        wt.export(torch.nn.Sequential(torch.nn.MaxPool2d(3, ceil_mode=True)), x, tmp_path / "c.wrpn")
