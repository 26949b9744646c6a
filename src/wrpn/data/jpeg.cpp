#include "wrpn/data/jpeg.h"

#include "wrpn/runtime/input_path.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wrpn {
namespace data {

JpegScale choose_jpeg_scale(double region_w, double region_h, int64_t target) {
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  JpegScale best;
  for (int i = 0; i < count; ++i) {
    const tjscalingfactor f = factors[i];
    // Only 1/2, 1/4 and 1/8: libjpeg-turbo has SIMD inverse DCTs for those, while the other
    // n/8 factors run plain C and measured slower than a full-size SIMD decode (5/8 of a
    // 500x375 image: 280 vs 450 images/s, docs/PERFORMANCE.md ("Data loading")).
    if (f.num != 1 || (f.denom != 1 && f.denom != 2 && f.denom != 4 && f.denom != 8)) continue;
    const double ratio = double(f.num) / f.denom;
    if (region_w * ratio >= double(target) && region_h * ratio >= double(target) &&
        ratio < double(best.num) / best.denom) {
      best = {f.num, f.denom};
    }
  }
  return best;
}

JpegDecoder::JpegDecoder() : handle_(tjInitDecompress()) {
  if (handle_ == nullptr) throw std::runtime_error("cannot create a libjpeg-turbo decompressor");
}

JpegDecoder::~JpegDecoder() { tjDestroy(handle_); }

void JpegDecoder::fail(const std::string& name, std::string reason) {
  if (reason.empty()) reason = tjGetErrorStr2(handle_);
  // libjpeg-turbo 2.1 leaves a handle that failed mid-header in a state where every later
  // call fails ("Improper call to JPEG library in state 201"): start afresh.
  tjDestroy(handle_);
  handle_ = tjInitDecompress();
  if (handle_ == nullptr) throw std::runtime_error("cannot create a libjpeg-turbo decompressor");
  throw std::runtime_error(fmt::format("cannot decode JPEG {}: {}", name, reason));
}

std::pair<int, int> JpegDecoder::size(const std::vector<uint8_t>& jpeg, const std::string& name) {
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle_, jpeg.data(), static_cast<unsigned long>(jpeg.size()), &width, &height, &subsampling,
                          &colorspace) != 0) {
    fail(name);
  }
  // A stream cut short inside the header can come back as a "success" of size 0x0.
  if (width < 1 || height < 1) {
    fail(name, fmt::format("the header gives no image size ({} bytes)", jpeg.size()));
  }
  // The header is checked before it sizes an allocation: a few hundred corrupt bytes can claim
  // 65500x65500 pixels (12.9 GB of RGB).
  if (int64_t(width) * height > kMaxJpegPixels) {
    fail(name, fmt::format("the header claims {}x{} pixels, more than the {} this reader decodes", width, height,
                           kMaxJpegPixels));
  }
  return {width, height};
}

void JpegDecoder::decode(const std::vector<uint8_t>& jpeg, const std::string& name, JpegScale scale, RgbImage& out) {
  const auto [width, height] = size(jpeg, name);
  out.width = scale.scaled(width);
  out.height = scale.scaled(height);
  out.pixels.resize(size_t(out.width) * size_t(out.height) * 3);
  if (tjDecompress2(handle_, jpeg.data(), static_cast<unsigned long>(jpeg.size()), out.pixels.data(), out.width,
                    /*pitch=*/0, out.height, TJPF_RGB, TJFLAG_FASTDCT) != 0 &&
      tjGetErrorCode(handle_) != TJERR_WARNING) {
    fail(name);
  }
}

std::vector<uint8_t> encode_jpeg(const RgbImage& image, int quality, bool subsample_420) {
  tjhandle handle = tjInitCompress();
  if (handle == nullptr) throw std::runtime_error("cannot create a libjpeg-turbo compressor");
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(handle, image.pixels.data(), image.width, 0, image.height, TJPF_RGB, &buffer, &size,
                             subsample_420 ? TJSAMP_420 : TJSAMP_444, quality, TJFLAG_ACCURATEDCT);
  if (rc != 0) {
    const std::string error = tjGetErrorStr2(handle);
    tjDestroy(handle);
    throw std::runtime_error(fmt::format("cannot encode JPEG: {}", error));
  }
  std::vector<uint8_t> out(buffer, buffer + size);
  tjFree(buffer);
  tjDestroy(handle);
  return out;
}

std::vector<uint8_t> read_file(const std::string& path) {
  runtime::require_readable_file(path, "input file");
  // POSIX calls, so that a failure says why (errno), and a file that another process truncates
  // or replaces while it is read is named as such rather than decoded from a short buffer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(error)));
  }
  std::vector<uint8_t> bytes(size_t(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(error)));
    }
    if (n == 0) {
      ::close(fd);
      throw std::runtime_error(
          fmt::format("cannot read {}: it shrank from {} to {} bytes while being read", path, bytes.size(), done));
    }
    done += size_t(n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace data
}  // namespace wrpn
