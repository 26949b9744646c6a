// wrpn infer: run a .wrpn model on the packed low-bit runtime, over a dataset's test split
// (accuracy, per-image predictions, optional comparison with the LibTorch checkpoint) or on
// one image file.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>

#include "command.h"
#include "deploy_common.h"
#include "wrpn/data/image_input.h"
#include "wrpn/export/export_model.h"
#include "wrpn/runtime/runtime.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace cli {
namespace {

struct InferFlags {
  std::string model, data, dataset, image, predictions, reference;
  int threads = 0;
  int64_t batch_size = 64, limit = 0;
};

int64_t argmax(const float* row, int n) { return std::max_element(row, row + n) - row; }

std::vector<std::string> class_names(const nlohmann::json& info, int classes) {
  std::vector<std::string> names;
  if (info.contains("class_names")) names = info["class_names"].get<std::vector<std::string>>();
  for (int c = int(names.size()); c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

int infer_image(const InferFlags& f, runtime::Runtime& rt, const nlohmann::json& info) {
  const std::vector<float> x = data::load_image_input(f.image, rt.model().input);
  std::vector<float> logits(size_t(rt.classes()));
  rt.run(x.data(), 1, logits.data(), f.threads);
  const float top = *std::max_element(logits.begin(), logits.end());
  double total = 0;
  for (float l : logits) total += std::exp(double(l - top));
  std::vector<int> order(logits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
  const auto names = class_names(info, rt.classes());
  fmt::print("{}: {}\n", f.image, names[order[0]]);
  for (size_t i = 0; i < std::min<size_t>(5, order.size()); ++i) {
    fmt::print("  {:>6.2f}%  {}\n", 100.0 * std::exp(double(logits[order[i]] - top)) / total, names[order[i]]);
  }
  return 0;
}

int infer_dataset(const InferFlags& f, runtime::Runtime& rt, const nlohmann::json& info) {
  train::TrainConfig config;
  train::apply_info(config, info);
  if (!f.dataset.empty()) config.dataset = f.dataset;
  if (!f.data.empty()) config.data_dir = f.data;
  const auto dataset = train::load_dataset(config, /*train=*/false);
  const runtime::InputSpec& in = rt.model().input;
  const data::ImageShape shape = dataset->shape();
  if (shape.channels != in.channels || shape.height != in.height || shape.width != in.width) {
    throw std::runtime_error(fmt::format("{} images are {}x{}x{}, the model takes {}x{}x{}", config.data_dir,
                                         shape.channels, shape.height, shape.width, in.channels, in.height, in.width));
  }
  std::unique_ptr<TrainedModel> ref;
  if (!f.reference.empty()) {
    ref = std::make_unique<TrainedModel>(load_trained(f.reference));
    torch::set_num_threads(f.threads > 0 ? f.threads : int(std::thread::hardware_concurrency()));
  }
  const int64_t total = f.limit > 0 ? std::min(f.limit, dataset->size()) : dataset->size();
  const int classes = rt.classes();
  std::ofstream csv;
  if (!f.predictions.empty()) {
    csv.open(f.predictions);
    if (!csv) throw std::runtime_error("cannot write predictions to " + f.predictions);
    csv << "index,label,prediction,confidence_logit" << (ref ? ",libtorch_prediction" : "") << "\n";
  }
  int64_t correct = 0, ref_correct = 0, disagree = 0;
  double max_logit_diff = 0, runtime_seconds = 0;
  std::vector<std::string> disagreements;
  std::vector<float> logits;
  for (int64_t begin = 0; begin < total; begin += f.batch_size) {
    const int64_t n = std::min(f.batch_size, total - begin);
    const std::vector<uint8_t> pixels = read_images(*dataset, begin, n);
    logits.resize(size_t(n * classes));
    const auto t0 = std::chrono::steady_clock::now();
    rt.run_pixels(pixels.data(), int(n), logits.data(), f.threads);
    runtime_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    torch::Tensor ref_logits;
    if (ref) {
      torch::NoGradGuard no_grad;
      ref_logits = ref->model->forward(exporter::normalised_images(pixels, in, n)).contiguous();
    }
    for (int64_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * classes;
      const int64_t label = dataset->label(begin + i), pred = argmax(row, classes);
      correct += pred == label;
      int64_t ref_pred = -1;
      if (ref) {
        const float* r = ref_logits.data_ptr<float>() + i * classes;
        ref_pred = argmax(r, classes);
        ref_correct += ref_pred == label;
        for (int c = 0; c < classes; ++c) max_logit_diff = std::max(max_logit_diff, double(std::fabs(r[c] - row[c])));
        if (ref_pred != pred) {
          ++disagree;
          if (disagreements.size() < 10) {
            disagreements.push_back(fmt::format("image {}: runtime {} ({:.5f}) vs LibTorch {} ({:.5f})", begin + i,
                                                pred, row[pred], ref_pred, r[ref_pred]));
          }
        }
      }
      if (csv) {
        csv << begin + i << ',' << label << ',' << pred << ',' << row[pred];
        if (ref) csv << ',' << ref_pred;
        csv << '\n';
      }
    }
  }
  fmt::print("runtime: test accuracy {:.2f}% on {} images ({:.0f} images/s, {} threads)\n", 100.0 * correct / total,
             total, total / runtime_seconds, f.threads);
  if (ref) {
    fmt::print("LibTorch ({}): test accuracy {:.2f}%; predictions differ on {} of {} images; max |logit diff| {:.3g}\n",
               f.reference, 100.0 * ref_correct / total, disagree, total, max_logit_diff);
    for (const auto& d : disagreements) fmt::print("  {}\n", d);
  }
  return 0;
}

}  // namespace

Command add_infer_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("infer", "Run a .wrpn model on the packed low-bit runtime");
  auto f = std::make_shared<InferFlags>();
  app->add_option("--model", f->model, "the .wrpn file written by `wrpn export`")->required();
  auto* data =
      app->add_option("--data", f->data, "dataset folder; its test split is classified (default: the model's)");
  app->add_option("--dataset", f->dataset, "dataset kind (default: the one the model was trained on)");
  app->add_option("--image", f->image, "classify one image file (JPEG or binary PGM) instead")->excludes(data);
  app->add_option("--predictions", f->predictions, "write per-image predictions to this CSV file");
  app->add_option("--reference", f->reference, "also run this LibTorch checkpoint and count disagreements");
  app->add_option("--threads", f->threads, "threads (0: all cores)")->check(CLI::NonNegativeNumber);
  app->add_option("--batch-size", f->batch_size, "images per runtime call")->check(CLI::PositiveNumber);
  app->add_option("--limit-test", f->limit, "use only the first N test images")->check(CLI::NonNegativeNumber);
  return {app, [f]() {
            runtime::Runtime rt = runtime::Runtime::load(f->model);
            const nlohmann::json info = nlohmann::json::parse(rt.model().info, nullptr, /*allow_exceptions=*/false);
            const nlohmann::json meta = info.is_object() ? info : nlohmann::json::object();
            if (f->threads == 0) f->threads = int(std::thread::hardware_concurrency());
            return f->image.empty() ? infer_dataset(*f, rt, meta) : infer_image(*f, rt, meta);
          }};
}

}  // namespace cli
}  // namespace wrpn
