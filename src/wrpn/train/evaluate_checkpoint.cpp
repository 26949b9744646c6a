#include "wrpn/train/evaluate_checkpoint.h"

#include "wrpn/data/batch_loader.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/checkpoint.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace train {

CheckpointEval evaluate_checkpoint(const std::string& checkpoint, const CheckpointEvalOptions& options) {
  const CheckpointMeta meta = read_checkpoint_meta(checkpoint);
  TrainConfig config;
  apply_json(config, meta.config, checkpoint);
  if (!options.data_dir.empty()) config.data_dir = options.data_dir;
  auto model = models::build_model(config.model);
  load_checkpoint(checkpoint, *model, nullptr);
  data::BatchLoader loader(load_dataset(config, /*train=*/false),
                           data::LoaderOptions().batch_size(options.batch_size).shuffle(false).limit(options.limit));
  return {evaluate(*model, loader), config.model.label(), meta.epochs_done};
}

}  // namespace train
}  // namespace wrpn
