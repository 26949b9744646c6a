#include "deploy_common.h"

#include "wrpn/export/export_model.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/checkpoint.h"

namespace wrpn {
namespace cli {

TrainedModel load_trained(const std::string& checkpoint) {
  TrainedModel t;
  const train::CheckpointMeta meta = train::read_checkpoint_meta(checkpoint);
  train::apply_json(t.config, meta.config, checkpoint);
  t.model = models::build_model(t.config.model);
  train::load_checkpoint(checkpoint, *t.model, nullptr);
  t.model->eval();
  t.epochs_done = meta.epochs_done;
  t.input = meta.input;
  return t;
}

runtime::ModelFile export_trained(models::Network& model, const train::TrainConfig& config,
                                  const runtime::InputSpec& input, const std::string& source) {
  nlohmann::json info = train::info_json(config);
  info["format"] = "wrpn model";
  info["label"] = config.model.label();
  info["source"] = source;
  if (config.dataset == "fashion-mnist") {
    info["class_names"] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  }
  return exporter::export_model(model, input, info.dump());
}

int64_t float_state_bytes(models::Network& model) {
  int64_t bytes = 0;
  for (const auto& p : model.parameters()) bytes += p.numel() * 4;
  for (const auto& b : model.buffers()) bytes += b.numel() * 4;
  return bytes;
}

std::vector<uint8_t> read_images(const data::Dataset& dataset, int64_t begin, int64_t count) {
  const int64_t per = dataset.shape().pixels();
  std::vector<uint8_t> pixels(size_t(count * per));
  for (int64_t i = 0; i < count; ++i) dataset.read_image(begin + i, pixels.data() + i * per);
  return pixels;
}

}  // namespace cli
}  // namespace wrpn
