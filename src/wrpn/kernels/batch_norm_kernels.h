// Training batch norm's four passes over one channel of an N x C x H x W float tensor: the
// batch moments, the normalisation (y = a x + b), the backward's two sums and its input
// gradient (dx = k1 g + k2 (x - mean) + k3). One channel is `planes` runs of `plane_size` contiguous
// floats, `plane_stride` floats apart (N planes of H*W, C*H*W apart). Vectorised with Highway,
// chosen at run time; float lanes over chunks of at most a few thousand values, folded into
// doubles, so the sums stay accurate on large images.
#pragma once

#include <cstdint>

namespace wrpn {
namespace kernels {

struct ChannelPlanes {
  int64_t planes = 0;
  int64_t plane_size = 0;
  int64_t plane_stride = 0;
  int64_t count() const { return planes * plane_size; }
};

struct Moments {
  double mean = 0;
  double variance = 0;  ///< biased: the mean of (x - mean)^2
};

/// The mean and biased variance of one channel (count() > 0).
Moments channel_moments(const float* x, const ChannelPlanes& c);

/// y = a * x + b over one channel (y laid out as x).
void scale_shift_channel(const float* x, float* y, const ChannelPlanes& c, float a, float b);

struct GradientSums {
  double sum_g = 0;     ///< sum of g
  double sum_g_xc = 0;  ///< sum of g * (x - mean)
};

/// The backward's per-channel sums of the incoming gradient g and of g times the centred input.
GradientSums channel_gradient_sums(const float* g, const float* x, const ChannelPlanes& c, float mean);

/// dx = k1 * g + (k2 * (x - mean) + k3) over one channel (dx laid out as x).
void input_gradient_channel(const float* g, const float* x, float* dx, const ChannelPlanes& c, float mean, float k1,
                            float k2, float k3);

}  // namespace kernels
}  // namespace wrpn
