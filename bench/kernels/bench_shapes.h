// The layer shapes the benchmark runs: vgg_small (Fashion-MNIST 28x28, batch 8)
// and ResNet-34 (224x224, batch 1) 3x3 / stride-2 / 1x1 layers, widths 1 and 2.
#pragma once

#include <string>
#include <vector>

#include "wrpn/kernels/conv.h"

namespace wrpn::bench {

struct LayerShape {
  std::string name;
  wrpn::kernels::ConvShape conv;
  bool large;  // ResNet-34 layers: where the floors apply
};

inline wrpn::kernels::ConvShape conv_shape(int batch, int hw, int in_c, int out_c, int kernel, int stride) {
  wrpn::kernels::ConvShape s;
  s.batch = batch;
  s.in_h = s.in_w = hw;
  s.in_c = in_c;
  s.out_c = out_c;
  s.kernel_h = s.kernel_w = kernel;
  s.stride = stride;
  s.pad = kernel / 2;
  return s;
}

inline std::vector<LayerShape> bench_layers() {
  std::vector<LayerShape> layers;
  for (int w : {1, 2}) {
    const std::string sw = "_w" + std::to_string(w);
    // vgg_small: conv1 (full precision) is not ours; pools between stages.
    layers.push_back({"vgg" + sw + "_c2_16x28", conv_shape(8, 28, 16 * w, 16 * w, 3, 1), false});
    layers.push_back({"vgg" + sw + "_c3_32x14", conv_shape(8, 14, 16 * w, 32 * w, 3, 1), false});
    layers.push_back({"vgg" + sw + "_c4_32x14", conv_shape(8, 14, 32 * w, 32 * w, 3, 1), false});
    layers.push_back({"vgg" + sw + "_c5_64x7", conv_shape(8, 7, 32 * w, 64 * w, 3, 1), false});
    // ResNet-34 stages; the stride-2 3x3 and 1x1 downsample open stage 2.
    layers.push_back({"r34" + sw + "_s1_64x56", conv_shape(1, 56, 64 * w, 64 * w, 3, 1), true});
    layers.push_back({"r34" + sw + "_s2_down3x3", conv_shape(1, 56, 64 * w, 128 * w, 3, 2), true});
    layers.push_back({"r34" + sw + "_s2_down1x1", conv_shape(1, 56, 64 * w, 128 * w, 1, 2), true});
    layers.push_back({"r34" + sw + "_s2_128x28", conv_shape(1, 28, 128 * w, 128 * w, 3, 1), true});
    layers.push_back({"r34" + sw + "_s3_256x14", conv_shape(1, 14, 256 * w, 256 * w, 3, 1), true});
    layers.push_back({"r34" + sw + "_s4_512x7", conv_shape(1, 7, 512 * w, 512 * w, 3, 1), true});
  }
  return layers;
}

}  // namespace wrpn::bench
