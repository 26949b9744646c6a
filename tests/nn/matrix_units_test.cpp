// Training on the matrix units (nn/matrix_units.h): the int8 forward equals the float forward
// up to float summation order, the fp32 backward is LibTorch's bit for bit, and the bf16
// backward stays within its stated error. Skipped, with a message, where oneDNN has no exact
// int8 implementation (a CPU without VNNI or AMX, or a build without oneDNN).
#include <gtest/gtest.h>

#include "wrpn/kernels/int8_conv_forward.h"
#include "wrpn/models/registry.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/quant/bits.h"
#include "wrpn/quant/packed_saving.h"
#include "wrpn/quant/quantizers.h"
#include "wrpn/train/memory_stats.h"

namespace wrpn {
namespace {

const nn::MatrixUnits kFloat{false, nn::BackwardPrecision::kFp32};
const nn::MatrixUnits kInt8{true, nn::BackwardPrecision::kFp32};
const nn::MatrixUnits kInt8Bf16{true, nn::BackwardPrecision::kBf16};

// Why the int8 forward cannot run exactly here, or "" when it can.
std::string int8_unavailable() {
  if (!kernels::int8_forward_available()) return "built without oneDNN or switched off";
  kernels::ConvShape s;
  s.batch = 4;
  s.in_c = s.out_c = 16;
  s.in_h = s.in_w = 8;
  s.pad = 1;
  const std::string impl = kernels::int8_conv_forward_impl(s);
  if (impl.find("amx") == std::string::npos && impl.find("vnni") == std::string::npos) {
    return "oneDNN offers only " + impl + " (no VNNI/AMX): not exact, the float path runs";
  }
  return "";
}

#define SKIP_WITHOUT_INT8()                                     \
  if (const std::string why = int8_unavailable(); !why.empty()) \
  GTEST_SKIP() << "int8 forward not exact on this CPU: " << why

// k-bit activation values (codes / n) of the given shape.
torch::Tensor grid_input(std::vector<int64_t> shape, int bits) {
  const int64_t n = quant::activation_levels(bits);
  return torch::randint(0, n + 1, shape).to(torch::kFloat32) / double(n);
}

TEST(WeightCodes, HandTable) {
  // 3 bits: n = 3, codes -3..3; gain 2 -> one scale 2/3.
  const auto w_q = torch::tensor({-1.0f, -2.0f / 3, 0.0f, 1.0f / 3, 1.0f}).view({5, 1});
  const auto c = quant::weight_codes(w_q, 3, false, 2.0);
  EXPECT_TRUE(torch::equal(c.codes.view({-1}), torch::tensor({-3, -2, 0, 1, 3}).to(torch::kInt8)));
  ASSERT_EQ(c.scales.numel(), 1);
  EXPECT_FLOAT_EQ(c.scales.item<float>(), 2.0f / 3.0f);
  // 1 bit per channel: codes are the signs (0 -> +1), scales alpha_o * gain.
  const auto b = torch::tensor({0.5f, -0.5f, -0.25f, 0.25f, 0.0f, 0.0f}).view({3, 2});
  const auto c1 = quant::weight_codes(b, 1, true, 4.0);
  EXPECT_TRUE(torch::equal(c1.codes.view({-1}), torch::tensor({1, -1, -1, 1, 1, 1}).to(torch::kInt8)));
  EXPECT_TRUE(torch::equal(c1.scales, torch::tensor({2.0f, 1.0f, 0.0f})));
}

TEST(ByteCodes, OnTheGridOnly) {
  const auto x = torch::tensor({0.0f, 1.0f / 15, 14.0f / 15, 1.0f});
  EXPECT_TRUE(torch::equal(quant::byte_codes(x, 4), torch::tensor({0, 1, 14, 15}).to(torch::kUInt8)));
  EXPECT_FALSE(quant::byte_codes(torch::tensor({0.5f}), 4).defined());  // 7.5 is no code
  EXPECT_FALSE(quant::byte_codes(x, 32).defined());
}

// One layer: int8 forward against the float forward, every k, and what the next quantizer
// makes of both (codes equal but where the float value sits on a rounding tie).
TEST(Int8Forward, ConvEqualsFloatForwardEveryBits) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(1);
  for (int bits = 1; bits <= 8; ++bits) {
    nn::QConv2d conv(nn::QConv2dOptions(24, 32, 3).padding(1).weight_bits(bits).input_bits(bits));
    const auto x = grid_input({8, 24, 12, 12}, bits);
    const torch::NoGradGuard no_grad;
    torch::Tensor ref, got;
    {
      const nn::MatrixUnitsGuard g(kFloat);
      ref = conv(x);
    }
    {
      const nn::MatrixUnitsGuard g(kInt8);
      got = conv(x);
    }
    // Each output sums 216 products; float summation of them errs by a few ulps of the sum
    // of magnitudes, far below one quantizer step.
    const float scale = ref.abs().max().item<float>();
    EXPECT_LE((got - ref).abs().max().item<float>(), 1e-5f * scale) << bits << " bits";
    EXPECT_FALSE(torch::equal(got, torch::zeros_like(got)));
    const int64_t n = quant::activation_levels(bits);
    // The next quantizer after a batch-norm-like affine per channel (random, as trained).
    const auto a = (torch::rand({1, 32, 1, 1}) + 0.5) / scale, b = torch::rand({1, 32, 1, 1}) * 0.4 - 0.2;
    const auto y_ref = ref * a + b, y_got = got * a + b;
    const auto codes_ref = torch::round(torch::clamp(y_ref, 0, 1) * n);
    const auto codes_got = torch::round(torch::clamp(y_got, 0, 1) * n);
    const auto differ = codes_ref != codes_got;
    const auto near_tie = ((y_ref * n - torch::floor(y_ref * n) - 0.5).abs() < 1e-4);
    EXPECT_EQ(torch::logical_and(differ, torch::logical_not(near_tie)).sum().item<int64_t>(), 0)
        << bits << " bits: codes differ away from a tie";
    EXPECT_LE(differ.sum().item<int64_t>(), ref.numel() / 1000) << bits << " bits";
  }
}

TEST(Int8Forward, LinearEqualsFloatForward) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(2);
  for (int bits : {2, 4, 8}) {
    nn::QLinear fc(nn::QLinearOptions(300, 40).weight_bits(bits).input_bits(bits));
    const auto x = grid_input({16, 300}, bits);
    const torch::NoGradGuard no_grad;
    torch::Tensor ref, got;
    {
      const nn::MatrixUnitsGuard g(kFloat);
      ref = fc(x);
    }
    {
      const nn::MatrixUnitsGuard g(kInt8);
      got = fc(x);
    }
    EXPECT_LE((got - ref).abs().max().item<float>(), 1e-5f * ref.abs().max().item<float>()) << bits;
  }
}

// Whole networks, every k, widths 1 and 2: logits within a bound, the same predictions but
// where a near-tie flipped a code somewhere (counted, a small share).
TEST(Int8Forward, ZooModelsMatchFloatForward) {
  SKIP_WITHOUT_INT8();
  for (const std::string name : {"lenet5", "vgg_small", "resnet20"}) {
    for (double width : {1.0, 2.0}) {
      for (int bits = 1; bits <= 8; ++bits) {
        models::ModelSpec spec;
        spec.name = name;
        spec.width = width;
        spec.weight_bits = spec.activation_bits = bits;
        if (name == "resnet20") spec.in_channels = 3, spec.input_size = 32;
        torch::manual_seed(3);
        auto model = models::build_model(spec);
        model->eval();  // running batch-norm statistics: both paths see the same affine
        const auto x = torch::rand({32, spec.in_channels, spec.input_size, spec.input_size});
        const torch::NoGradGuard no_grad;
        torch::Tensor ref, got;
        {
          const nn::MatrixUnitsGuard g(kFloat);
          ref = model->forward(x);
        }
        {
          const nn::MatrixUnitsGuard g(kInt8);
          got = model->forward(x);
        }
        const auto agree = (ref.argmax(1) == got.argmax(1)).sum().item<int64_t>();
        EXPECT_GE(agree, 30) << name << " " << width << "x " << bits << " bits";
        EXPECT_LE((got - ref).abs().max().item<float>(), 0.05f * (ref.abs().max().item<float>() + 1e-3f))
            << name << " " << width << "x " << bits << " bits";
      }
    }
  }
}

struct Grads {
  torch::Tensor y, gx, gw;
};

Grads conv_grads(nn::QConv2d& conv, const torch::Tensor& x0, const torch::Tensor& g, const nn::MatrixUnits& m) {
  const nn::MatrixUnitsGuard guard(m);
  conv->weight.mutable_grad() = torch::Tensor();
  const auto x = x0.clone().requires_grad_(true);
  const auto y = conv(x);
  y.backward(g);
  return {y.detach(), x.grad(), conv->weight.grad().clone()};
}

TEST(Int8Forward, Fp32BackwardIsLibTorchsBitForBit) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(4);
  for (bool packed : {true, false}) {
    const quant::PackedSavingGuard saving(packed);
    nn::QConv2d conv(nn::QConv2dOptions(16, 24, 3).padding(1).weight_bits(4).input_bits(4));
    const auto x = grid_input({4, 16, 10, 10}, 4);
    const auto g = torch::randn({4, 24, 10, 10});
    const Grads ref = conv_grads(conv, x, g, kFloat), got = conv_grads(conv, x, g, kInt8);
    EXPECT_TRUE(torch::equal(ref.gx, got.gx)) << "packed saving " << packed;
    EXPECT_TRUE(torch::equal(ref.gw, got.gw)) << "packed saving " << packed;
  }
}

TEST(Int8Forward, Bf16BackwardWithinStatedError) {
  SKIP_WITHOUT_INT8();
  torch::manual_seed(5);
  for (int bits : {1, 2, 4, 8}) {
    nn::QConv2d conv(nn::QConv2dOptions(32, 32, 3).padding(1).weight_bits(bits).input_bits(bits));
    const auto x = grid_input({8, 32, 12, 12}, bits);
    const auto g = torch::randn({8, 32, 12, 12});
    const Grads ref = conv_grads(conv, x, g, kInt8), got = conv_grads(conv, x, g, kInt8Bf16);
    // bf16 keeps 8 significant bits: the incoming gradient and each result are rounded once
    // (relative 2^-9 each); the codes are exact. Stated bound: 1% in the norm.
    const auto rel = [](const torch::Tensor& a, const torch::Tensor& b) {
      return ((a - b).norm() / b.norm()).item<double>();
    };
    EXPECT_LT(rel(got.gx, ref.gx), 0.01) << bits << " bits";
    EXPECT_LT(rel(got.gw, ref.gw), 0.01) << bits << " bits";
    EXPECT_GT(rel(got.gw, ref.gw), 0.0) << "bf16 mode must actually round";
  }
}

// Batch norm recomputing its input (the int8 conv output) in backward: every gradient of a
// whole network bit-identical to keeping it, and far fewer bytes kept for the backward.
TEST(Int8Forward, RecomputedConvOutputsGiveIdenticalGradients) {
  SKIP_WITHOUT_INT8();
  for (const std::string name : {"vgg_small", "resnet20", "lenet5"}) {
    models::ModelSpec spec;
    spec.name = name;
    spec.width = 2;
    spec.weight_bits = spec.activation_bits = 4;
    if (name != "lenet5") spec.in_channels = 3, spec.input_size = 32;
    const auto x = torch::rand({16, spec.in_channels, spec.input_size, spec.input_size});
    const auto labels = torch::randint(10, {16}, torch::kInt64);
    std::vector<torch::Tensor> grads[2];
    torch::Tensor running_mean[2];
    double kept[2] = {0, 0};
    train::install_memory_stats();
    for (int recompute = 0; recompute < 2; ++recompute) {
      torch::manual_seed(6);
      auto model = models::build_model(spec);
      nn::MatrixUnits m = kInt8;
      m.recompute_conv_outputs = recompute == 1;
      const nn::MatrixUnitsGuard g(m);
      const double before = double(train::current_tensor_bytes());
      const auto loss = torch::nn::functional::cross_entropy(model->forward(x), labels);
      kept[recompute] = double(train::current_tensor_bytes()) - before;  // what backward will read
      loss.backward();
      for (const auto& p : model->parameters()) grads[recompute].push_back(p.grad().clone());
      for (const auto& b : model->named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos) {
          running_mean[recompute] = b.value().clone();  // the last one
        }
      }
    }
    ASSERT_EQ(grads[0].size(), grads[1].size());
    for (size_t i = 0; i < grads[0].size(); ++i) {
      EXPECT_TRUE(torch::equal(grads[0][i], grads[1][i])) << name << " parameter " << i;
    }
    EXPECT_TRUE(torch::equal(running_mean[0], running_mean[1])) << name;
    // The conv outputs are most of the activations kept for backward in the conv networks
    // (lenet5's fully connected half keeps its batch-norm inputs: measured 0.78x there).
    EXPECT_LT(kept[1], (name == "lenet5" ? 0.85 : 0.6) * kept[0])
        << name << ": " << kept[1] << " vs " << kept[0] << " bytes";
  }
}

TEST(MatrixUnits, ParsesBackwardPrecision) {
  EXPECT_EQ(nn::parse_backward_precision("bf16"), nn::BackwardPrecision::kBf16);
  EXPECT_EQ(nn::parse_backward_precision("fp32"), nn::BackwardPrecision::kFp32);
  try {
    nn::parse_backward_precision("fp16");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'fp16'"), std::string::npos);
  }
}

}  // namespace
}  // namespace wrpn
