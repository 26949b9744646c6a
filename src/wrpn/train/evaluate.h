// Test-set evaluation and per-layer weight statistics.
#pragma once

#include <map>
#include <string>

#include "wrpn/data/batch_loader.h"
#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace train {

struct EvalResult {
  double loss = 0;  // mean cross-entropy
  double top1 = 0;  // accuracy, percent
  double top5 = 0;  // accuracy, percent
  int64_t samples = 0;
};

/// Evaluates in eval mode without gradients over every batch of epoch 0 of `loader`.
EvalResult evaluate(models::Network& model, data::BatchLoader& loader);

/// Fraction of zero quantized weights of every quantized (1..8-bit) layer, by module name.
std::map<std::string, double> zero_fractions(models::Network& model);

/// Number of correct predictions among the top-k logits.
int64_t count_topk_correct(const torch::Tensor& logits, const torch::Tensor& labels, int64_t k);

}  // namespace train
}  // namespace wrpn
