#include "wrpn/quant/packed_saving.h"

#include <atomic>

#include "wrpn/kernels/code_pack.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace quant {
namespace {

std::atomic<bool> g_packed_saving{true};

bool packs_bits(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat32;
}

}  // namespace

bool packed_saving_enabled() { return g_packed_saving.load(); }
void set_packed_saving(bool enabled) { g_packed_saving.store(enabled); }

PackedSavingGuard::PackedSavingGuard(bool enabled) : previous_(packed_saving_enabled()) {
  set_packed_saving(enabled);
}
PackedSavingGuard::~PackedSavingGuard() { set_packed_saving(previous_); }

SavedActivation SavedActivation::save(const torch::Tensor& x, int bits) {
  SavedActivation s;
  s.sizes = x.sizes().vec();
  s.data = x;
  if (is_full_precision(bits) || !packed_saving_enabled()) return s;
  const float levels = float(activation_levels(bits));
  if (packs_bits(x)) {
    const torch::Tensor xc = x.contiguous();
    torch::Tensor packed = torch::empty(
        {int64_t(kernels::packed_code_bytes(size_t(xc.numel()), bits))}, torch::kUInt8);
    if (!kernels::pack_codes(xc.data_ptr<float>(), size_t(xc.numel()), bits, levels,
                             packed.data_ptr<uint8_t>())) {
      return s;  // not on the grid (e.g. a network input): keep the float tensor
    }
    s.data = packed;
    s.bit_packed = true;
  } else {
    const torch::Tensor codes = torch::round(x * double(levels));
    if (!torch::equal(codes / double(levels), x)) return s;
    s.data = codes.to(torch::kUInt8);
  }
  s.bits = bits;
  return s;
}

torch::Tensor SavedActivation::restore() const {
  if (is_full_precision(bits)) return data;
  const float levels = float(activation_levels(bits));
  if (!bit_packed) return data.to(torch::kFloat32) / double(levels);
  torch::Tensor out = torch::empty(sizes, torch::kFloat32);
  kernels::unpack_codes(data.data_ptr<uint8_t>(), size_t(out.numel()), bits, levels,
                        out.data_ptr<float>());
  return out;
}

SavedMask SavedMask::save(const torch::Tensor& x, double lo, double hi) {
  SavedMask m;
  m.sizes = x.sizes().vec();
  if (packs_bits(x)) {
    const torch::Tensor xc = x.contiguous();
    m.data = torch::empty({int64_t(kernels::packed_mask_bytes(size_t(xc.numel())))}, torch::kUInt8);
    kernels::pack_clip_mask(xc.data_ptr<float>(), size_t(xc.numel()), float(lo), float(hi),
                            m.data.data_ptr<uint8_t>());
    m.bit_packed = true;
  } else {
    m.data = torch::logical_and(x >= lo, x <= hi);
  }
  return m;
}

torch::Tensor SavedMask::apply(const torch::Tensor& g) const {
  if (!bit_packed || !packs_bits(g)) return g * data.to(g.scalar_type());
  const torch::Tensor gc = g.contiguous();
  torch::Tensor out = torch::empty_like(gc);
  kernels::apply_mask(data.data_ptr<uint8_t>(), gc.data_ptr<float>(), size_t(gc.numel()),
                      out.data_ptr<float>());
  return out;
}

}  // namespace quant
}  // namespace wrpn
