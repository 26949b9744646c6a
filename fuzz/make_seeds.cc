// Writes the binary seed corpora of the IDX, CIFAR and image targets from Fashion-MNIST's real
// test images: a few records each, so that every seed is a valid file of a few KB.
//   clang++ -std=c++17 fuzz/make_seeds.cc -lturbojpeg -lz -o /tmp/make_seeds
//   /tmp/make_seeds /usr/share/datasets/fashion-mnist fuzz/corpus
#include <turbojpeg.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

void write(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  if (!out) std::perror(path.c_str()), std::exit(1);
}

Bytes gunzip(const std::string& path, size_t bytes) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) std::perror(path.c_str()), std::exit(1);
  Bytes b(bytes);
  if (gzread(f, b.data(), unsigned(bytes)) != int(bytes)) std::exit(1);
  gzclose(f);
  return b;
}

Bytes gzip(const Bytes& raw) {
  const std::string tmp = "/tmp/wrpn-make-seeds.gz";
  gzFile f = gzopen(tmp.c_str(), "wb9");
  gzwrite(f, raw.data(), unsigned(raw.size()));
  gzclose(f);
  std::ifstream in(tmp, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Bytes idx(std::vector<uint32_t> dims, const uint8_t* values) {
  Bytes b = {0, 0, 0x08, uint8_t(dims.size())};
  size_t n = 1;
  for (uint32_t d : dims) b.insert(b.end(), {uint8_t(d >> 24), uint8_t(d >> 16), uint8_t(d >> 8), uint8_t(d)}), n *= d;
  b.insert(b.end(), values, values + n);
  return b;
}

// Image `i` (28x28 grey) placed in a w x h RGB canvas, tinted per channel.
Bytes rgb(const Bytes& images, int i, int w, int h) {
  Bytes out(size_t(w * h * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const uint8_t g = images[size_t(16 + i * 784 + (y % 28) * 28 + x % 28)];
        out[size_t((y * w + x) * 3 + c)] = uint8_t(g * (c + 2) / 4);
      }
  return out;
}

Bytes jpeg(const Bytes& pixels, int w, int h, int format, int sampling, int flags) {
  tjhandle t = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  if (tjCompress2(t, pixels.data(), w, 0, h, format, &buf, &size, sampling, 85, flags) != 0) {
    std::fprintf(stderr, "%s\n", tjGetErrorStr2(t));
    std::exit(1);
  }
  Bytes b(buf, buf + size);
  tjFree(buf);
  tjDestroy(t);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: make_seeds FASHION_MNIST_DIR CORPUS_DIR\n"), 2;
  const std::string in = argv[1], out = argv[2];
  const Bytes images = gunzip(in + "/t10k-images-idx3-ubyte.gz", 16 + 6 * 784);
  const Bytes labels = gunzip(in + "/t10k-labels-idx1-ubyte.gz", 8 + 6);
  // IDX: three images and five labels, raw and gzip, and the real file's first 1,500 bytes.
  const Bytes three = idx({3, 28, 28}, images.data() + 16), five = idx({5}, labels.data() + 8);
  write(out + "/idx/images3.idx", three);
  write(out + "/idx/images3.idx.gz", gzip(three));
  write(out + "/idx/labels5.idx", five);
  write(out + "/idx/labels5.idx.gz", gzip(five));
  std::ifstream real(in + "/t10k-images-idx3-ubyte.gz", std::ios::binary);
  Bytes head(1500);
  real.read(reinterpret_cast<char*>(head.data()), 1500);
  write(out + "/idx/real_head.gz", head);
  // CIFAR: two records of CIFAR-10 (1 label byte) and of CIFAR-100 (coarse, fine).
  Bytes c10, c100;
  for (int r = 0; r < 2; ++r) {
    const Bytes px = rgb(images, r, 32, 32);
    Bytes planar(3072);
    for (int p = 0; p < 1024; ++p)
      for (int c = 0; c < 3; ++c) planar[size_t(c * 1024 + p)] = px[size_t(p * 3 + c)];
    c10.push_back(labels[size_t(8 + r)]);
    c10.insert(c10.end(), planar.begin(), planar.end());
    c100.insert(c100.end(), {uint8_t(r + 3), uint8_t(40 + labels[size_t(8 + r)])});
    c100.insert(c100.end(), planar.begin(), planar.end());
  }
  write(out + "/cifar/cifar10_2records.bin", c10);
  write(out + "/cifar/cifar100_2records.bin", c100);
  // Images: grey, 4:2:0, 4:4:4, progressive, odd sizes; and binary PGMs.
  const Bytes grey(images.begin() + 16, images.begin() + 16 + 784);
  write(out + "/jpeg/grey28.jpg", jpeg(grey, 28, 28, TJPF_GRAY, TJSAMP_GRAY, 0));
  write(out + "/jpeg/rgb32_420.jpg", jpeg(rgb(images, 1, 32, 32), 32, 32, TJPF_RGB, TJSAMP_420, 0));
  write(out + "/jpeg/rgb40x24_444.jpg", jpeg(rgb(images, 2, 40, 24), 40, 24, TJPF_RGB, TJSAMP_444, 0));
  write(out + "/jpeg/rgb17x9_422_progressive.jpg",
        jpeg(rgb(images, 3, 17, 9), 17, 9, TJPF_RGB, TJSAMP_422, TJFLAG_PROGRESSIVE));
  write(out + "/jpeg/rgb64x48_420.jpg", jpeg(rgb(images, 4, 64, 48), 64, 48, TJPF_RGB, TJSAMP_420, 0));
  Bytes pgm = {'P', '5', '\n', '#', ' ', 'f', 'm', '\n', '2', '8', ' ', '2', '8', '\n', '2', '5', '5', '\n'};
  pgm.insert(pgm.end(), grey.begin(), grey.end());
  write(out + "/jpeg/grey28.pgm", pgm);
  Bytes small = {'P', '5', ' ', '5', ' ', '3', ' ', '2', '5', '5', ' '};
  small.insert(small.end(), grey.begin() + 400, grey.begin() + 415);
  write(out + "/jpeg/grey5x3.pgm", small);
  return 0;
}
