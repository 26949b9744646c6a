"""torch.ops.wrpn.* and wrpn.torch's layers against hand-computed tables (../shared/WRPN.md)."""
import torch
import pytest

import wrpn.torch as wt


def test_activations_round_half_to_even_inside_the_clip():
    # 2 bits: n = 3. 3 * clamp(x, 0, 1) = 0, 0, 0.5, 1.5, 2.5, 3, 3 -> half to even: 0, 0, 0, 2, 2, 3, 3.
    x = torch.tensor([-0.5, 0.0, 0.5 / 3, 0.5, 2.5 / 3, 1.0, 1.5])
    got = torch.ops.wrpn.quantize_activations(x, 2)
    assert torch.equal(got * 3, torch.tensor([0.0, 0.0, 0.0, 2.0, 2.0, 3.0, 3.0]))
    # 32 bits: a ReLU.
    assert torch.equal(torch.ops.wrpn.quantize_activations(x, 32), torch.relu(x))


def test_activation_gradient_is_straight_through_inside_zero_to_one():
    x = torch.tensor([-0.2, 0.1, 0.6, 0.99, 1.3], requires_grad=True)
    torch.ops.wrpn.quantize_activations(x, 4).sum().backward()
    assert torch.equal(x.grad, torch.tensor([0.0, 1.0, 1.0, 1.0, 0.0]))


def test_weights_ternary_binary_and_four_bit():
    w = torch.tensor([-1.5, -0.5, 0.49, 0.5, 0.51, 2.0])
    # 2 bits: n = 1, round(clamp(w, -1, 1)): -1, -0 (half to even), 0, 0, 1, 1.
    assert torch.equal(torch.ops.wrpn.quantize_weights(w, 2), torch.tensor([-1.0, 0.0, 0.0, 0.0, 1.0, 1.0]))
    # 4 bits: n = 7.
    assert torch.equal(torch.ops.wrpn.quantize_weights(w, 4) * 7, torch.tensor([-7.0, -4.0, 3.0, 4.0, 4.0, 7.0]))
    # 1 bit: alpha * sign(w), alpha = mean |w| = 5.5 / 6, sign(0) = +1.
    b = torch.tensor([[-0.25, 0.0], [0.75, -1.0]])
    alpha = (0.25 + 0.0 + 0.75 + 1.0) / 4
    assert torch.allclose(torch.ops.wrpn.quantize_weights(b, 1), alpha * torch.tensor([[-1.0, 1.0], [1.0, -1.0]]))
    per_channel = torch.ops.wrpn.quantize_weights(b, 1, True)
    assert torch.allclose(per_channel, torch.tensor([[-0.125, 0.125], [0.875, -0.875]]))


@pytest.mark.parametrize("bits", range(1, 9))
def test_every_bit_width_follows_the_contract_forward_and_gradient(bits):
    # A dense grid with every tie n * x = j + 1/2 on it: round half to even decides them.
    grid = torch.linspace(-1.5, 1.5, 6001)
    a = grid.clone().requires_grad_(True)
    n = 2 ** bits - 1
    got = torch.ops.wrpn.quantize_activations(a, bits)
    assert torch.equal(got, torch.round(n * grid.clamp(0, 1)) / n)
    got.sum().backward()
    assert torch.equal(a.grad, ((grid >= 0) & (grid <= 1)).float())
    w = grid.clone().requires_grad_(True)
    q = torch.ops.wrpn.quantize_weights(w, bits)
    if bits == 1:
        want = grid.abs().mean() * torch.where(grid >= 0, 1.0, -1.0)
        assert torch.allclose(q, want, rtol=0, atol=1e-7)
    else:
        m = 2 ** (bits - 1) - 1
        assert torch.equal(q, torch.round(m * grid.clamp(-1, 1)) / m)
    q.sum().backward()
    assert torch.equal(w.grad, (grid.abs() <= 1).float())  # 1 bit too: straight through the clamp


def test_weight_gradient_is_zero_outside_the_clip():
    w = torch.tensor([-1.5, -0.3, 0.8, 1.2], requires_grad=True)
    torch.ops.wrpn.quantize_weights(w, 3).sum().backward()
    assert torch.equal(w.grad, torch.tensor([0.0, 1.0, 1.0, 0.0]))


def test_bad_bits_name_the_operator_and_value():
    with pytest.raises(ValueError, match="quantize_activations bits must be 1..8 or 32.*got 9"):
        torch.ops.wrpn.quantize_activations(torch.zeros(2), 9)
    with pytest.raises(ValueError, match="weight bits must be 1..8 or 32, got 0"):
        wt.QLinear(4, 2, weight_bits=0)


def test_layers_compute_gain_times_quantized_weights():
    torch.manual_seed(0)
    conv = wt.QConv2d(3, 5, 3, weight_bits=2, padding=1)
    assert conv.gain == pytest.approx((6.0 / 27) ** 0.5)
    assert conv.weight.abs().max() <= 1.0  # unit parametrisation: U(-1, 1)
    x = torch.randn(2, 3, 6, 6)
    want = torch.nn.functional.conv2d(x, torch.round(conv.weight.clamp(-1, 1)) * conv.gain, padding=1)
    assert torch.allclose(conv(x), want, atol=1e-6)
    fc = wt.QLinear(8, 3, weight_bits=4)
    v = torch.randn(4, 8)
    want = v @ (torch.round(fc.weight.clamp(-1, 1) * 7) / 7 * fc.gain).t() + fc.bias
    assert torch.allclose(fc(v), want, atol=1e-6)


def test_a_small_four_bit_network_learns_in_python():
    # Two Gaussian blobs per class in 2-D, four classes: chance is 25%.
    torch.manual_seed(1)
    centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    labels = torch.randint(4, (2048,))
    points = centres[labels] + 0.7 * torch.randn(2048, 2)
    net = torch.nn.Sequential(wt.QLinear(2, 64, weight_bits=32), torch.nn.BatchNorm1d(64), wt.QReLU(4),
                              wt.QLinear(64, 64, weight_bits=4), torch.nn.BatchNorm1d(64), wt.QReLU(4),
                              wt.QLinear(64, 4, weight_bits=32))
    opt = torch.optim.SGD(wt.param_groups(net, lr=0.1), momentum=0.9)
    for epoch in range(5):
        for i in range(0, 2048, 64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(points[i:i + 64]), labels[i:i + 64]).backward()
            opt.step()
    net.eval()
    accuracy = (net(points).argmax(1) == labels).float().mean().item()
    assert accuracy > 0.9, accuracy


def test_the_width_multiplier_rounds_as_wrpns_models():
    assert [wt.wide(64, w) for w in (1, 1.5, 2, 3)] == [64, 96, 128, 192]
    assert wt.wide(3, 0.5) == 2 and wt.wide(1, 0.1) == 1  # halves away from zero; never below 1
    with pytest.raises(ValueError, match="width multiplier must be a positive number"):
        wt.wide(64, 0)
