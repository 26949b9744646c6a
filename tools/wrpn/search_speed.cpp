#include "search_speed.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <fstream>

#include "bench/bench_timing.h"
#include "wrpn/export/export_model.h"
#include "wrpn/measure/cost.h"
#include "wrpn/models/registry.h"
#include "wrpn/runtime/runtime.h"
#include "wrpn/train/atomic_file.h"

namespace wrpn {
namespace cli {
namespace {

constexpr int kBatch = 64;
constexpr double kSeconds = 0.5;
constexpr int kRounds = 3;  // the median of three: one slow round does not decide

runtime::InputSpec input_of(const models::ModelSpec& spec) {
  runtime::InputSpec input{int(spec.in_channels), int(spec.input_size), int(spec.input_size), {}, {}};
  input.scale.assign(size_t(spec.in_channels), 1.0f / 255.0f);
  input.shift.assign(size_t(spec.in_channels), 0.0f);
  return input;
}

double runtime_rate(const models::ModelSpec& spec) {
  auto model = models::build_model(spec);
  runtime::Runtime rt(exporter::export_model(*model, input_of(spec), "{}"));
  std::vector<float> images(size_t(kBatch) * spec.in_channels * spec.input_size * spec.input_size, 0.5f);
  std::vector<float> logits(size_t(kBatch) * rt.classes());
  std::vector<double> rates;
  for (int r = 0; r < kRounds; ++r) {
    rates.push_back(images_per_second([&] { rt.run(images.data(), kBatch, logits.data(), 1); }, kBatch, kSeconds));
  }
  return median(rates);
}

double libtorch_fp32_rate(const models::ModelSpec& spec) {
  auto model = models::build_model(measure::fp32_baseline(spec));
  model->eval();
  torch::NoGradGuard no_grad;
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const torch::Tensor images = torch::rand({kBatch, spec.in_channels, spec.input_size, spec.input_size});
  std::vector<double> rates;
  for (int r = 0; r < kRounds; ++r) {
    rates.push_back(images_per_second([&] { model->forward(images); }, kBatch, kSeconds));
  }
  torch::set_num_threads(threads);
  return median(rates);
}

}  // namespace

std::map<std::string, double> measured_speedups(const std::vector<measure::Candidate>& all,
                                                const std::vector<std::string>& ids, const models::ModelSpec& base,
                                                const std::string& folder) {
  const std::string path = folder + "/speeds.json";
  nlohmann::json saved = nlohmann::json::object();
  if (std::ifstream in(path); in) {
    saved = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!saved.is_object()) throw std::runtime_error(fmt::format("{} is not a speeds file: delete it to measure again", path));
  }
  if (!saved.contains("1x FP32 LibTorch")) {
    saved["1x FP32 LibTorch"] = libtorch_fp32_rate(base);
    train::write_file_atomically(path, saved.dump(2) + "\n");
  }
  const double baseline = saved["1x FP32 LibTorch"];
  std::map<std::string, double> out;
  for (const measure::Candidate& c : all) {
    if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) continue;
    if (!saved.contains(c.id)) {
      saved[c.id] = runtime_rate(c.spec);
      train::write_file_atomically(path, saved.dump(2) + "\n");
      fmt::print("search: {} runs at {:.0f} images/s here ({:.2f}x 1x FP32 LibTorch, 1 thread)\n", c.label(),
                 saved[c.id].get<double>(), saved[c.id].get<double>() / baseline);
    }
    out[c.id] = saved[c.id].get<double>() / baseline;
  }
  return out;
}

}  // namespace cli
}  // namespace wrpn
