// A network of your own, end to end: written in C++ from wrpn's public blocks (it is not in
// the zoo), trained on Fashion-MNIST through the library, exported to .wrpn and run on the
// LibTorch-free runtime, whose predictions are compared with LibTorch's on 2,000 test images.
//
//   own_network --out runs/own [--limit-train N] [--epochs E] [--width W] [--bits K]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>

#include "wrpn/export/export_model.h"
#include "wrpn/models/blocks/chain.h"
#include "wrpn/models/blocks/conv_bn.h"
#include "wrpn/models/blocks/linear_bn.h"
#include "wrpn/models/blocks/pooling.h"
#include "wrpn/models/blocks/residual.h"
#include "wrpn/models/registry.h"
#include "wrpn/runtime/runtime.h"
#include "wrpn/train/trainer.h"

using namespace wrpn;

// conv 3x3 -> pool -> a residual block that strides and widens -> global pool -> a hidden
// linear layer -> the classifier. Each block describes itself, so export needs nothing more.
class SmallResidualNet : public models::Chain {
 public:
  explicit SmallResidualNet(const models::ModelSpec& spec) {
    // Each width names its stage, so that --stage-width can widen it alone.
    const int64_t c1 = spec.wide(24, "stem"), c2 = spec.wide(48, "block"), f = spec.wide(64, "hidden");
    add("stem",
        models::conv_bn_act(
            spec,
            spec.conv(spec.in_channels, c1, 3, spec.first_weight_bits, 1, 1).input_bits(32)));  // it reads the image
    add("pool", models::MaxPool(models::MaxPoolOptions(2).input_bits(spec.activation_bits)));
    add("block", models::CifarBlock(spec, c1, c2, /*stride=*/2));
    add("gap", models::GlobalAvgPool());
    add("hidden", models::LinearBn(spec.linear(c2, f, spec.weight_bits, false), spec.activation_bits));
    add("classifier", nn::QLinear(spec.classifier(f)));
  }
};

int main(int argc, char** argv) {
  CLI::App app{"Train, export and run a network defined in C++ from wrpn's blocks"};
  train::TrainConfig c;
  c.model.name = "small_residual_net";
  c.model.width = 2;
  c.model.weight_bits = c.model.activation_bits = 4;
  c.epochs = 1;
  c.batch_size = 64;
  c.lr = 0.05;
  c.limit_train = 0;
  int bits = 4;
  app.add_option("--out", c.out, "run folder")->required();
  app.add_option("--limit-train", c.limit_train, "training images (0: all 60,000)");
  app.add_option("--epochs", c.epochs, "epochs");
  app.add_option("--width", c.model.width, "width multiplier");
  app.add_option("--bits", bits, "weight and activation bits of the hidden layers");
  CLI11_PARSE(app, argc, argv);
  c.model.weight_bits = c.model.activation_bits = bits;
  try {
    train::TrainHooks hooks;
    hooks.progress = false;
    hooks.build_model = [](const models::ModelSpec& spec) {
      auto net = std::make_shared<SmallResidualNet>(spec);
      models::prepare_network(*net, spec);
      return net;
    };
    const train::TrainResult r = train::run_training(c, /*resume=*/false, hooks);

    // Export: the input normalisation is the training loader's.
    const auto test = train::load_dataset(c, /*train=*/false);
    const runtime::InputSpec input = exporter::input_spec_for(*test, 0);
    const std::string path = (std::filesystem::path(c.out) / "small_residual_net.wrpn").string();
    runtime::write_model_file(exporter::export_model(*r.model, input, R"({"model":"small_residual_net"})"), path);
    runtime::Runtime rt(runtime::read_model_file(path));

    // Both engines on the first 2,000 test images.
    const data::ImageShape s = test->shape();
    const int64_t n = std::min<int64_t>(2000, test->size());
    std::vector<uint8_t> pixels(size_t(n * s.pixels()));
    for (int64_t i = 0; i < n; ++i) test->read_image(i, pixels.data() + i * s.pixels());
    r.model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor torch_pred = r.model->forward(exporter::normalised_images(pixels, input, n)).argmax(1);
    std::vector<float> logits(size_t(n) * rt.classes());
    rt.run_pixels(pixels.data(), int(n), logits.data(), 0);
    int64_t differ = 0, torch_correct = 0, runtime_correct = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * rt.classes();
      const int64_t pred = std::max_element(row, row + rt.classes()) - row;
      const int64_t want = torch_pred[i].item<int64_t>();
      differ += pred != want;
      torch_correct += want == test->label(i);
      runtime_correct += pred == test->label(i);
    }
    fmt::print("exported {} ({} bytes); on {} test images: LibTorch {:.2f}%, runtime {:.2f}%, {} predictions differ\n",
               path, std::filesystem::file_size(path), n, 100.0 * torch_correct / n, 100.0 * runtime_correct / n,
               differ);
    // A rounding tie may flip a prediction; more than 1 in 1,000 is a real disagreement.
    return differ * 1000 <= n ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "own_network: error: {}\n", e.what());
    return 1;
  }
}
