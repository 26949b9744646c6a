// What the training tests share: hooks that print nothing, and bit-for-bit model equality.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "wrpn/train/trainer.h"

namespace wrpn {
namespace train {

inline TrainHooks quiet() {
  TrainHooks h;
  h.verbose = false;
  h.progress = false;
  return h;
}

/// Every parameter and buffer of `a` equals `b`'s bit for bit.
inline void expect_same_parameters(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.named_parameters();
  const auto pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) {
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  }
  const auto ba = a.named_buffers();
  const auto bb = b.named_buffers();
  for (const auto& item : ba) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
}

}  // namespace train
}  // namespace wrpn
