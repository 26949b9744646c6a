#include "wrpn/train/evaluate.h"

#include "wrpn/nn/weight_param.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace train {

int64_t count_topk_correct(const torch::Tensor& logits, const torch::Tensor& labels, int64_t k) {
  k = std::min<int64_t>(k, logits.size(1));
  const torch::Tensor topk = std::get<1>(logits.topk(k, /*dim=*/1));
  return topk.eq(labels.unsqueeze(1)).any(1).sum().item<int64_t>();
}

EvalResult evaluate(models::Network& model, data::BatchLoader& loader) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  EvalResult r;
  double loss_sum = 0;
  int64_t top1 = 0, top5 = 0;
  for (int64_t b = 0; b < loader.num_batches(); ++b) {
    const data::Batch batch = loader.batch(/*epoch=*/0, b);
    if (batch.labels.size(0) == 0) continue;  // a rank's empty slice of a short batch
    const torch::Tensor logits = model.forward(batch.images);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, batch.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    top1 += count_topk_correct(logits, batch.labels, 1);
    top5 += count_topk_correct(logits, batch.labels, 5);
    r.samples += batch.labels.size(0);
  }
  model.train(was_training);
  if (r.samples > 0) {
    r.loss = loss_sum / double(r.samples);
    r.top1 = 100.0 * double(top1) / double(r.samples);
    r.top5 = 100.0 * double(top5) / double(r.samples);
  }
  return r;
}

std::map<std::string, double> zero_fractions(models::Network& model) {
  std::map<std::string, double> out;
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
    const auto* layer = dynamic_cast<const nn::QuantizedLayer*>(item.value().get());
    if (layer == nullptr || quant::is_full_precision(layer->weight_bits())) continue;
    // Of the weights as the layer uses them, under whichever quantizer it has.
    const torch::NoGradGuard no_grad;
    out[item.key()] = (layer->effective_weight() == 0).to(torch::kFloat64).mean().item<double>();
  }
  return out;
}

}  // namespace train
}  // namespace wrpn
