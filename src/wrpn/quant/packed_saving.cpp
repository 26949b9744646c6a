#include "wrpn/quant/packed_saving.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <atomic>
#include <optional>

#include "wrpn/kernels/code_pack.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace quant {
namespace {

std::atomic<bool> g_packed_saving{true};

bool packs_bits(const torch::Tensor& x) { return x.device().is_cpu() && x.scalar_type() == torch::kFloat32; }

// Elements per parallel chunk: a multiple of 8, so every chunk starts on a byte boundary of
// every packed layout.
constexpr int64_t kChunk = 1 << 14;

template <typename F>
void for_chunks(int64_t count, const F& f) {
  at::parallel_for(0, (count + kChunk - 1) / kChunk, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t first = c * kChunk;
      f(first, std::min(kChunk, count - first));
    }
  });
}

// The latest output of quantize_saving_codes() and its codes, per thread (autograd's forward
// runs on the caller's thread). The weak pointer keeps the TensorImpl's address from being
// reused while it is remembered; the version counter catches in-place changes.
struct RememberedCodes {
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> tensor;
  int64_t version = 0;
  SavedActivation codes;
};
thread_local std::optional<RememberedCodes> t_remembered;

const SavedActivation* remembered_codes(const torch::Tensor& x, int bits) {
  if (!t_remembered || t_remembered->codes.bits != bits) return nullptr;
  const auto held = t_remembered->tensor.lock();
  if (!held || held.get() != x.unsafeGetTensorImpl() || x._version() != t_remembered->version) {
    return nullptr;
  }
  return &t_remembered->codes;
}

}  // namespace

bool packed_saving_enabled() { return g_packed_saving.load(); }
void set_packed_saving(bool enabled) { g_packed_saving.store(enabled); }

PackedSavingGuard::PackedSavingGuard(bool enabled) : previous_(packed_saving_enabled()) { set_packed_saving(enabled); }
PackedSavingGuard::~PackedSavingGuard() { set_packed_saving(previous_); }

SavedActivation SavedActivation::save(const torch::Tensor& x, int bits) {
  SavedActivation s;
  s.sizes = x.sizes().vec();
  s.data = x;
  if (is_full_precision(bits) || !packed_saving_enabled()) return s;
  if (const SavedActivation* codes = remembered_codes(x, bits)) return *codes;
  const float levels = float(activation_levels(bits));
  if (packs_bits(x)) {
    const torch::Tensor xc = x.contiguous();
    torch::Tensor packed = torch::empty({int64_t(kernels::packed_code_bytes(size_t(xc.numel()), bits))}, torch::kUInt8);
    const int64_t per_byte = 8 / kernels::code_storage_bits(bits);
    std::atomic<bool> on_grid{true};
    const float* xp = xc.data_ptr<float>();
    uint8_t* out = packed.data_ptr<uint8_t>();
    for_chunks(xc.numel(), [&](int64_t first, int64_t n) {
      if (!kernels::pack_codes(xp + first, size_t(n), bits, levels, out + first / per_byte)) {
        on_grid = false;
      }
    });
    if (!on_grid) return s;  // not on the grid (e.g. a network input): keep the float tensor
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
  const int64_t per_byte = 8 / kernels::code_storage_bits(bits);
  const uint8_t* in = data.data_ptr<uint8_t>();
  float* op = out.data_ptr<float>();
  for_chunks(out.numel(), [&](int64_t first, int64_t n) {
    kernels::unpack_codes(in + first / per_byte, size_t(n), bits, levels, op + first);
  });
  return out;
}

torch::Tensor SavedActivation::byte_codes() const {
  if (is_full_precision(bits)) return torch::Tensor();
  if (!bit_packed) return data.reshape(sizes);
  torch::Tensor out = torch::empty(sizes, torch::kUInt8);
  const int storage = kernels::code_storage_bits(bits);
  const int64_t per_byte = 8 / storage;
  const uint8_t* in = data.data_ptr<uint8_t>();
  uint8_t* op = out.data_ptr<uint8_t>();
  for_chunks(out.numel(), [&](int64_t first, int64_t n) {
    kernels::spread_codes(in + first / per_byte, size_t(n), storage, op + first);
  });
  return out;
}

torch::Tensor byte_codes(const torch::Tensor& x, int bits) {
  if (is_full_precision(bits) || !packs_bits(x)) return torch::Tensor();
  if (const SavedActivation* codes = remembered_codes(x, bits)) return codes->byte_codes();
  const torch::Tensor xc = x.contiguous();
  torch::Tensor out = torch::empty(x.sizes(), torch::kUInt8);
  const float levels = float(activation_levels(bits));
  std::atomic<bool> on_grid{true};
  const float* xp = xc.data_ptr<float>();
  uint8_t* op = out.data_ptr<uint8_t>();
  for_chunks(xc.numel(), [&](int64_t first, int64_t n) {
    if (!kernels::pack_codes(xp + first, size_t(n), /*storage: a byte each*/ 8, levels, op + first)) {
      on_grid = false;
    }
  });
  return on_grid ? out : torch::Tensor();
}

SavedMask SavedMask::save(const torch::Tensor& x, double lo, double hi) {
  SavedMask m;
  m.sizes = x.sizes().vec();
  if (packs_bits(x)) {
    const torch::Tensor xc = x.contiguous();
    m.data = torch::empty({int64_t(kernels::packed_mask_bytes(size_t(xc.numel())))}, torch::kUInt8);
    const float* xp = xc.data_ptr<float>();
    uint8_t* out = m.data.data_ptr<uint8_t>();
    for_chunks(xc.numel(), [&](int64_t first, int64_t n) {
      kernels::pack_clip_mask(xp + first, size_t(n), float(lo), float(hi), out + first / 8);
    });
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
  const uint8_t* mask = data.data_ptr<uint8_t>();
  const float* gp = gc.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for_chunks(gc.numel(), [&](int64_t first, int64_t n) {
    kernels::apply_mask(mask + first / 8, gp + first, size_t(n), op + first);
  });
  return out;
}

bool packs_in_one_pass(const torch::Tensor& x) { return packs_bits(x) && x.is_contiguous(); }

torch::Tensor quantize_saving_codes(const torch::Tensor& x, int bits, SavedMask* mask) {
  RECORD_FUNCTION("wrpn::quantize_saving_codes", std::vector<c10::IValue>());  // named in bench --profile
  const int64_t count = x.numel();
  const float levels = float(activation_levels(bits));
  torch::Tensor out = torch::empty_like(x);
  SavedActivation codes;
  codes.sizes = x.sizes().vec();
  codes.bits = bits;
  codes.bit_packed = true;
  codes.data = torch::empty({int64_t(kernels::packed_code_bytes(size_t(count), bits))}, torch::kUInt8);
  mask->sizes = codes.sizes;
  mask->bit_packed = true;
  mask->data = torch::empty({int64_t(kernels::packed_mask_bytes(size_t(count)))}, torch::kUInt8);
  const int64_t per_byte = 8 / kernels::code_storage_bits(bits);
  const float* xp = x.data_ptr<float>();
  float* op = out.data_ptr<float>();
  uint8_t* cp = codes.data.data_ptr<uint8_t>();
  uint8_t* mp = mask->data.data_ptr<uint8_t>();
  for_chunks(count, [&](int64_t first, int64_t n) {
    kernels::quantize_and_pack(xp + first, size_t(n), bits, levels, op + first, cp + first / per_byte, mp + first / 8);
  });
  t_remembered =
      RememberedCodes{c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(out.getIntrusivePtr()),
                      out._version(), std::move(codes)};
  return out;
}

}  // namespace quant
}  // namespace wrpn
