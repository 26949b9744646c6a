#include "bench_loader.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

#include "bench_timing.h"
#include "wrpn/data/loader_bench.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/optimizer.h"

namespace wrpn {
namespace cli {

namespace {

struct LoaderFlags {
  data::LoaderBenchOptions bench;
  std::string model = "resnet34";
  int64_t train_batch = 16;
  int64_t train_steps = 2;
  int threads = 0;
  bool json = false;
};

// wrpn bench loader: loader images/s per worker against the training images/s of a model at
// the same image size on this machine, and the workers that keeps it fed.
int run_loader_bench(const LoaderFlags& f) {
  if (f.threads > 0) torch::set_num_threads(f.threads);
  const data::LoaderBenchResult r = data::run_loader_bench(f.bench);
  double per_thread = 0;
  for (const auto& row : r.rows) per_thread = std::max(per_thread, row.images_per_s_per_thread);

  train::TrainConfig c;
  c.model.name = f.model;
  c.model.classes = 1000;
  c.model.in_channels = 3;
  c.model.input_size = f.bench.image_size;
  torch::manual_seed(0);
  auto model = models::build_model(c.model);
  auto opt = train::make_optimizer(*model, c);
  const torch::Tensor images = torch::randn({f.train_batch, 3, c.model.input_size, c.model.input_size});
  const torch::Tensor labels = torch::randint(1000, {f.train_batch}, torch::kInt64);
  time_steps(*model, c, opt, images, labels, 1);  // warm-up
  const double step = time_steps(*model, c, opt, images, labels, f.train_steps);
  const double train_rate = double(f.train_batch) / step;
  const double needed = std::ceil(train_rate / per_thread);
  if (f.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : r.rows) {
      rows.push_back({{"workers", row.workers},
                      {"images_per_s", row.images_per_s},
                      {"images_per_s_per_thread", row.images_per_s_per_thread}});
    }
    fmt::print("{}\n", nlohmann::json{{"jpeg", fmt::format("{}x{}", f.bench.width, f.bench.height)},
                                      {"dct_scaling", f.bench.dct_scaling},
                                      {"mean_file_kb", r.mean_file_kb},
                                      {"image_size", f.bench.image_size},
                                      {"loader", rows},
                                      {"model", f.model},
                                      {"train_threads", torch::get_num_threads()},
                                      {"train_images_per_s", train_rate},
                                      {"workers_needed", needed}}
                           .dump(2));
    return 0;
  }
  fmt::print(
      "{} generated {}x{} JPEGs ({:.0f} KB mean), random-resized crop + flip to {}x{}, "
      "DCT scaling {}\n",
      f.bench.images, f.bench.width, f.bench.height, r.mean_file_kb, f.bench.image_size, f.bench.image_size,
      f.bench.dct_scaling ? "on" : "off");
  fmt::print("{:<8} {:>12} {:>20}\n", "workers", "images/s", "images/s per thread");
  for (const auto& row : r.rows) {
    fmt::print("{:<8} {:>12.1f} {:>20.1f}\n", row.workers == 0 ? std::string("0 (main)") : std::to_string(row.workers),
               row.images_per_s, row.images_per_s_per_thread);
  }
  fmt::print(
      "{} training at {}x{}, batch {}, {} threads: {:.2f} images/s -> {:g} loader "
      "thread(s) keep it fed\n",
      f.model, f.bench.image_size, f.bench.image_size, f.train_batch, torch::get_num_threads(), train_rate, needed);
  return 0;
}

}  // namespace

void add_loader_bench(CLI::App* bench, std::vector<std::function<int()>>& runs) {
  CLI::App* loader_app =
      bench->add_subcommand("loader", "ImageNet loader images/s per worker thread against a model's training images/s");
  auto lf = std::make_shared<LoaderFlags>();
  loader_app->add_option("--images", lf->bench.images, "generated JPEGs");
  loader_app->add_option("--jpeg-width", lf->bench.width, "JPEG width (ImageNet typical: 500)");
  loader_app->add_option("--jpeg-height", lf->bench.height, "JPEG height (ImageNet typical: 375)");
  loader_app->add_option("--quality", lf->bench.quality, "JPEG quality of the generated files");
  loader_app->add_option("--dct-scaling", lf->bench.dct_scaling,
                         "decode at a reduced size when the crop allows (true/false)");
  loader_app->add_option("--image-size", lf->bench.image_size, "output side in pixels");
  loader_app->add_option("--batch-size", lf->bench.batch_size, "loader batch size");
  loader_app->add_option("--epochs", lf->bench.epochs, "timed passes over the images");
  loader_app->add_option("--workers", lf->bench.workers, "worker counts to time (0 = main thread)")->delimiter(',');
  loader_app->add_option("--dir", lf->bench.dir, "folder for the JPEGs (default: a temporary one)");
  loader_app->add_option("--model", lf->model, "model whose training rate the loader must match");
  loader_app->add_option("--train-batch", lf->train_batch, "training batch for the model timing");
  loader_app->add_option("--train-steps", lf->train_steps, "timed training steps");
  loader_app->add_option("--threads", lf->threads, "intra-op threads of the training (0: all cores)");
  loader_app->add_flag("--json", lf->json, "print JSON");
  runs.push_back([loader_app, lf]() { return loader_app->parsed() ? run_loader_bench(*lf) : -1; });
}

}  // namespace cli
}  // namespace wrpn
