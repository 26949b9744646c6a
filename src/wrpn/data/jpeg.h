// JPEG decoding and encoding with libjpeg-turbo (TurboJPEG API), including its DCT-domain
// scaling: decoding at 1/2, 1/4 or 1/8 size costs a fraction of a full decode and a resize.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

/// The most pixels a JPEG may have (16384 x 16384, the PGM reader's limit): 805 MB of RGB.
constexpr int64_t kMaxJpegPixels = int64_t{16384} * 16384;

/// An 8-bit RGB image, row-major, 3 bytes per pixel (HWC).
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

/// A libjpeg-turbo scaling factor num/denom.
struct JpegScale {
  int num = 1;
  int denom = 1;
  /// Size of `dimension` pixels after scaling (rounded up, as libjpeg-turbo does).
  int scaled(int dimension) const { return (dimension * num + denom - 1) / denom; }
};

/// The smallest of 1/1, 1/2, 1/4, 1/8 that keeps a region of region_w x region_h pixels at
/// least `target` pixels on both sides (1/1 when even the full size is smaller). The other
/// n/8 factors libjpeg-turbo offers have no SIMD code and are slower than a full decode.
JpegScale choose_jpeg_scale(double region_w, double region_h, int64_t target);

/// One TurboJPEG decompressor; not thread-safe, so keep one per thread.
class JpegDecoder {
 public:
  JpegDecoder();
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  /// Width and height of the image; throws std::runtime_error naming `name` when the data is
  /// not a JPEG libjpeg-turbo can read or claims more than kMaxJpegPixels.
  std::pair<int, int> size(const std::vector<uint8_t>& jpeg, const std::string& name);
  /// Decodes to RGB at `scale` into `out` (reusing its buffer). Grey images come out as RGB.
  /// Recoverable libjpeg warnings (e.g. extraneous bytes) are accepted; errors throw
  /// std::runtime_error naming `name`.
  void decode(const std::vector<uint8_t>& jpeg, const std::string& name, JpegScale scale, RgbImage& out);

 private:
  // Throws the error for `name` after replacing the handle, which libjpeg-turbo may have left
  // unusable.
  // `reason` empty: libjpeg-turbo's message.
  [[noreturn]] void fail(const std::string& name, std::string reason = "");

  void* handle_;
};

/// Encodes RGB to JPEG at `quality` (1..100) with 4:4:4 (`subsample_420` false) or 4:2:0
/// chroma; for tests and benchmarks.
std::vector<uint8_t> encode_jpeg(const RgbImage& image, int quality, bool subsample_420);

/// The whole file; throws std::runtime_error naming it when it cannot be read.
std::vector<uint8_t> read_file(const std::string& path);

}  // namespace data
}  // namespace wrpn
