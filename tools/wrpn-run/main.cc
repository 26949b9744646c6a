// wrpn-run: a .wrpn model on image files, in a process with no LibTorch in it. It links only
// the deployment side (src/wrpn/runtime, src/wrpn/kernels) and the image readers
// (wrpn_image_io), so it proves a trained WRPN network deploys without the training stack.
//
//   wrpn-run --model M.wrpn INPUT...   one line per image: "<image> <class> <max logit>"
//   wrpn-run --model M.wrpn --labels L INPUT...   the accuracy summary instead
//   ... --profile                                 then the time per node and its kernel
//
// An INPUT is an IDX image file (raw or gzip, N x H x W grey), a CIFAR-10 binary batch (records
// of 1 label byte + 3072 pixel bytes, CHW), a binary PGM or a JPEG; the kind is told by the
// file's first bytes (or --format). Bad input ends with one line naming the file and the value,
// exit 1; a bad command line with exit 2.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "wrpn/data/image_input.h"
#include "wrpn/data/cifar.h"
#include "wrpn/data/idx.h"
#include "wrpn/runtime/input_path.h"
#include "wrpn/runtime/profile_table.h"
#include "wrpn/runtime/runtime.h"

namespace wrpn {
namespace {

struct Flags {
  std::string model, labels, format = "auto";
  std::vector<std::string> inputs;
  bool summary = false, profile = false;
  int64_t limit = 0, batch_size = 64;
  int threads = 0;
};

enum class Format { kIdx, kCifar10, kImage };

constexpr int64_t kCifarRecordBytes = 1 + data::kCifarImageBytes;

// The kind of `path` from its first bytes: gzip or 00 00 08 (IDX), "P5" (PGM), FF D8 (JPEG);
// otherwise a whole number of CIFAR-10 records.
Format detect_format(const std::string& path) {
  runtime::require_readable_file(path, "input file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(fmt::format("input file {} does not exist or cannot be read", path));
  const auto size = int64_t(in.tellg());
  in.seekg(0);
  uint8_t b[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(b), 4);
  if (size >= 2 && b[0] == 0x1f && b[1] == 0x8b) return Format::kIdx;  // IDX is the one gzip kind read
  if (size >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0x08) return Format::kIdx;
  if (size >= 2 && b[0] == 'P' && b[1] == '5') return Format::kImage;
  if (size >= 2 && b[0] == 0xff && b[1] == 0xd8) return Format::kImage;
  if (size > 0 && size % kCifarRecordBytes == 0) return Format::kCifar10;
  throw std::runtime_error(fmt::format(
      "input file {} is not an IDX, CIFAR-10 binary, PGM or JPEG file: first bytes {:02x} {:02x} {:02x} {:02x}, "
      "{} bytes (not a multiple of the {}-byte CIFAR record); --format names the kind",
      path, b[0], b[1], b[2], b[3], size, kCifarRecordBytes));
}

Format format_of(const std::string& path, const std::string& flag) {
  if (flag == "idx") return Format::kIdx;
  if (flag == "cifar10") return Format::kCifar10;
  if (flag == "image") return Format::kImage;
  return detect_format(path);
}

void check_shape(const std::string& path, const char* kind, int64_t c, int64_t h, int64_t w,
                 const runtime::InputSpec& in, const std::string& model) {
  if (c != in.channels || h != in.height || w != in.width) {
    throw std::runtime_error(fmt::format("{}: {} images are {}x{}x{} (CxHxW), the model {} takes {}x{}x{}", path, kind,
                                         c, h, w, model, in.channels, in.height, in.width));
  }
}

// Runs the model over every input and collects what the output needs.
class Runner {
 public:
  Runner(const Flags& f, runtime::Runtime& rt) : f_(f), rt_(rt), classes_(rt.classes()) {}

  void add_file(const std::string& path) {
    const runtime::InputSpec& in = rt_.model().input;
    const Format format = format_of(path, f_.format);
    if (format == Format::kImage) {
      const std::vector<float> x = data::load_image_input(path, in);
      run(1, [&](float* logits) { rt_.run(x.data(), 1, logits, f_.threads); });
      labels_.push_back(-1);
      return;
    }
    std::vector<uint8_t> pixels;
    std::vector<int64_t> labels;
    int64_t count = 0;
    if (format == Format::kIdx) {
      data::IdxArray a = data::read_idx(path, 3);
      check_shape(path, "IDX", 1, a.dims[1], a.dims[2], in, f_.model);
      pixels = std::move(a.values);
      count = a.dims[0];
      labels.assign(size_t(count), -1);
    } else {
      check_shape(path, "CIFAR-10", 3, 32, 32, in, f_.model);
      data::read_cifar_file(path, /*label_bytes=*/1, /*classes=*/10, pixels, labels);
      count = int64_t(labels.size());
    }
    const int64_t n = f_.limit > 0 ? std::min(count, f_.limit - images()) : count;
    const size_t image_bytes = size_t(in.channels) * in.height * in.width;
    for (int64_t begin = 0; begin < n; begin += f_.batch_size) {
      const int batch = int(std::min(f_.batch_size, n - begin));
      const uint8_t* px = pixels.data() + size_t(begin) * image_bytes;
      run(batch, [&](float* logits) { rt_.run_pixels(px, batch, logits, f_.threads); });
    }
    labels_.insert(labels_.end(), labels.begin(), labels.begin() + n);
  }

  bool full() const { return f_.limit > 0 && images() >= f_.limit; }
  int64_t images() const { return int64_t(predicted_.size()); }
  int classes() const { return classes_; }
  double seconds() const { return seconds_; }
  const std::vector<int>& predicted() const { return predicted_; }
  const std::vector<float>& max_logit() const { return max_logit_; }
  // Labels the inputs carry (CIFAR records), -1 where they carry none.
  const std::vector<int64_t>& labels() const { return labels_; }

 private:
  template <typename Call>
  void run(int batch, Call call) {
    logits_.resize(size_t(batch) * classes_);
    const auto t0 = std::chrono::steady_clock::now();
    call(logits_.data());
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (int i = 0; i < batch; ++i) {
      const float* row = logits_.data() + size_t(i) * classes_;
      const float* top = std::max_element(row, row + classes_);
      predicted_.push_back(int(top - row));
      max_logit_.push_back(*top);
    }
  }

  const Flags& f_;
  runtime::Runtime& rt_;
  const int classes_;
  std::vector<float> logits_;
  std::vector<int> predicted_;
  std::vector<float> max_logit_;
  std::vector<int64_t> labels_;
  double seconds_ = 0;
};

// The labels of an IDX labels file, one per image, each a class of the model.
std::vector<int64_t> read_labels(const std::string& path, int64_t images, int classes) {
  const data::IdxArray a = data::read_idx(path, 1);
  if (a.dims[0] < images) {
    throw std::runtime_error(fmt::format("labels file {} has {} labels for {} images", path, a.dims[0], images));
  }
  std::vector<int64_t> labels(a.values.begin(), a.values.begin() + images);
  for (int64_t i = 0; i < images; ++i) {
    if (labels[size_t(i)] >= classes) {
      throw std::runtime_error(fmt::format("labels file {}: label {} of image {} is outside the model's 0..{}", path,
                                           labels[size_t(i)], i, classes - 1));
    }
  }
  return labels;
}

void print_summary(const Runner& r, const std::vector<int64_t>& labels) {
  std::vector<int64_t> per_class(size_t(r.classes()), 0);
  for (int p : r.predicted()) ++per_class[size_t(p)];
  const bool labelled = std::none_of(labels.begin(), labels.end(), [](int64_t l) { return l < 0; });
  if (labelled) {
    int64_t correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) correct += r.predicted()[i] == labels[i];
    fmt::print("accuracy {:.2f}% ({} of {} images)\n", 100.0 * double(correct) / double(r.images()), correct,
               r.images());
  }
  std::string counts;
  for (size_t c = 0; c < per_class.size(); ++c) counts += fmt::format(" {}:{}", c, per_class[c]);
  fmt::print("predicted per class (class:images):{}\n", counts);
}

// "N >= minimum" for an integer flag, with the value in the message (CLI11's own range check
// prints the double limits).
CLI::Validator at_least(int64_t minimum) {
  return CLI::Validator(
      [minimum](std::string& value) -> std::string {
        int64_t v = 0;
        const char* end = value.data() + value.size();
        const auto [stop, error] = std::from_chars(value.data(), end, v);
        if (error != std::errc() || stop != end) return fmt::format("'{}' is not a whole number", value);
        if (v < minimum) return fmt::format("must be {} or more, got {}", minimum, v);
        return "";
      },
      fmt::format("INT>={}", minimum));
}

int run_model(Flags& f) {
  if (f.threads == 0) f.threads = int(std::max(1u, std::thread::hardware_concurrency()));
  runtime::Runtime rt = runtime::Runtime::load(f.model);
  const runtime::InputSpec& in = rt.model().input;
  Runner runner(f, rt);
  rt.set_profiling(f.profile);
  for (const std::string& path : f.inputs) {
    if (runner.full()) break;
    runner.add_file(path);
  }
  const std::vector<int64_t> labels =
      f.labels.empty() ? runner.labels() : read_labels(f.labels, runner.images(), runner.classes());
  if (f.summary || !f.labels.empty()) {
    print_summary(runner, labels);
  } else {
    fmt::print("# model {}: {}x{}x{} input, {} classes; one line per image: <image> <class> <max logit>\n", f.model,
               in.channels, in.height, in.width, runner.classes());
    for (int64_t i = 0; i < runner.images(); ++i) {
      fmt::print("{} {} {:.6f}\n", i, runner.predicted()[size_t(i)], runner.max_logit()[size_t(i)]);
    }
  }
  fmt::print("# {} images in {:.4f} s on the runtime: {:.0f} images/s ({} thread{}, batch {})\n", runner.images(),
             runner.seconds(), double(runner.images()) / std::max(runner.seconds(), 1e-9), f.threads,
             f.threads == 1 ? "" : "s", f.batch_size);
  if (f.profile) fmt::print("# time per node and kernel:\n{}", runtime::profile_table(rt.profile()));
  return 0;
}

}  // namespace
}  // namespace wrpn

int main(int argc, char** argv) {
  CLI::App app{
      "wrpn-run: run a .wrpn model on image files (no LibTorch). Inputs: IDX images (raw or .gz), "
      "CIFAR-10 binary batches, binary PGM, JPEG. Prints one line per image, <image> <class> <max logit>, "
      "or with --labels/--summary the accuracy and predictions per class; then images/s."};
  wrpn::Flags f;
  app.add_option("--model", f.model, "the .wrpn file written by `wrpn export`")->required();
  app.add_option("INPUT", f.inputs, "image files: IDX, CIFAR-10 binary, PGM or JPEG")->required();
  app.add_option("--format", f.format, "the inputs' kind (auto: told by their first bytes)")
      ->check(CLI::IsMember({"auto", "idx", "cifar10", "image"}))
      ->capture_default_str();
  app.add_option("--labels", f.labels, "IDX labels file (one per image, in order): print the accuracy summary");
  app.add_flag("--summary", f.summary,
               "print only the summary (accuracy with --labels or a CIFAR file's own labels; predictions per class)");
  app.add_option("--limit", f.limit, "use only the first N images (0: all)")->check(wrpn::at_least(0));
  app.add_option("--batch-size", f.batch_size, "images per runtime call")
      ->check(wrpn::at_least(1))
      ->capture_default_str();
  app.add_flag("--profile", f.profile, "after the results, the time per node and the kernel each ran on");
  app.add_option("--threads", f.threads, "threads (0: all cores)")->check(wrpn::at_least(0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "wrpn-run: error: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    return wrpn::run_model(f);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "wrpn-run: error: %s\n", e.what());
    return 1;
  }
}
