// The runtime under load (issue 17): one model opened once through the C API and shared by N
// threads, each running its own wrpn_context on fixed inputs for T seconds. Every call's logits
// must equal, bit for bit, the ones a single context gave before the threads started, and the
// resident memory must stay flat (VmRSS and VmHWM from /proc/self/status, sampled once every
// thread has made its first pass, and at the end).
//
// Usage: runtime_load MODEL.wrpn [--threads N] [--seconds T] [--context-threads M]
//                     [--remake-every CALLS] [--max-rss-growth-kb KB] [--report-every S] [--flip-reference-bit]
// Exits 0 when every call matched and neither VmRSS nor VmHWM grew by more than KB (default
// 8192: with contexts freed and re-made, glibc's per-thread arenas settle a few MiB above the
// first pass within the first minute and then stay; docs/RELIABILITY.md, "Load"); 1 on any
// mismatch, failed call or growth; 2 on bad usage or a model that does not open.
// --flip-reference-bit flips the last bit of one reference logit: the run must then fail
// (ctest checks that the comparison can fail).
// LibTorch-free: the C API, the runtime and the kernels only (scripts/load_soak.sh also builds
// it with ThreadSanitizer).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wrpn/wrpn.h"

namespace {

struct Options {
  std::string model;
  int threads = 8;
  double seconds = 10;
  int context_threads = 1;  // the threads each context runs one batch with
  long remake_every = 500;  // calls after which a thread frees its context and makes a new one (0: never)
  long max_rss_growth_kb = 8192;
  double report_every = 0;  // seconds between VmRSS lines (0: none)
  bool flip_reference_bit = false;
};

// One call of the fixed schedule: `batch` images from `first` of the image pool.
struct Call {
  int first = 0, batch = 1;
  std::vector<float> reference;  // batch x classes logits from the single context
};

struct Memory {
  long rss_kb = -1, hwm_kb = -1;
};

Memory read_memory() {
  std::ifstream in("/proc/self/status");
  Memory m;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kb = std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return m;
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "runtime_load: %s\nusage: runtime_load MODEL.wrpn [--threads N] [--seconds T] [--context-threads M] "
               "[--remake-every CALLS] [--max-rss-growth-kb KB] [--report-every S] [--flip-reference-bit]\n",
               why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](long lo) {
      if (i + 1 >= argc) usage(a + " needs a value");
      char* end = nullptr;
      const double v = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || v < double(lo)) usage(a + " must be a number >= " + std::to_string(lo));
      return v;
    };
    if (a == "--threads") {
      o.threads = int(value(1));
    } else if (a == "--seconds") {
      o.seconds = value(0);
    } else if (a == "--context-threads") {
      o.context_threads = int(value(0));
    } else if (a == "--remake-every") {
      o.remake_every = long(value(0));
    } else if (a == "--max-rss-growth-kb") {
      o.max_rss_growth_kb = long(value(0));
    } else if (a == "--report-every") {
      o.report_every = value(0);
    } else if (a == "--flip-reference-bit") {
      o.flip_reference_bit = true;
    } else if (!a.empty() && a[0] == '-') {
      usage("unknown flag " + a);
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      usage("one model only, got " + o.model + " and " + a);
    }
  }
  if (o.model.empty()) usage("no model given");
  return o;
}

// A fixed pattern of pixels (no seed to record), different for every image.
std::vector<uint8_t> image_pool(int images, size_t per_image) {
  std::vector<uint8_t> px(size_t(images) * per_image);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t((i * 7 + (i / 28) * 13 + (i / per_image) * 29) % 256);
  return px;
}

struct ThreadResult {
  long calls = 0, images = 0, mismatches = 0, errors = 0, remakes = 0;
};

class Load {
 public:
  Load(const Options& o, wrpn_model* model, std::vector<Call> calls, std::vector<uint8_t> pool, int shape[3],
       int classes)
      : o_(o), model_(model), calls_(std::move(calls)), pool_(std::move(pool)), classes_(classes) {
    std::memcpy(shape_, shape, sizeof shape_);
  }

  // One thread's loop: its own context, the schedule from call `t` on, until stop_.
  void run_thread(int t, ThreadResult& r) {
    wrpn_context* ctx = make_context(t, r);
    std::vector<float> logits;
    const size_t per_image = size_t(shape_[0]) * shape_[1] * shape_[2];
    bool counted_warm = false;
    for (long i = 0; ctx != nullptr && !stop_.load(std::memory_order_relaxed); ++i) {
      const Call& c = calls_[size_t(t + i) % calls_.size()];
      logits.assign(size_t(c.batch) * classes_, 0.0f);
      const wrpn_status s = wrpn_run_pixels(ctx, pool_.data() + size_t(c.first) * per_image, c.batch, shape_[0],
                                            shape_[1], shape_[2], logits.data(), logits.size());
      ++r.calls;
      r.images += c.batch;
      if (s != WRPN_OK) {
        report(r.errors++, "thread %d call %ld: %s: %s\n", t, i, wrpn_status_name(s), wrpn_last_error());
      } else if (std::memcmp(logits.data(), c.reference.data(), logits.size() * sizeof(float)) != 0) {
        size_t k = 0;
        while (logits[k] == c.reference[k] && std::memcmp(&logits[k], &c.reference[k], sizeof(float)) == 0) ++k;
        report(r.mismatches++, "thread %d call %ld (images %d..%d): logit %zu is %.9g, the single context gave %.9g\n",
               t, i, c.first, c.first + c.batch - 1, k, logits[k], c.reference[k]);
      }
      if (o_.remake_every > 0 && (i + 1) % o_.remake_every == 0) {
        wrpn_context_free(ctx);
        ctx = make_context(t, r);
        ++r.remakes;
      }
      // Warm once the whole schedule has run and, when contexts are re-made, one has been:
      // the allocator has then seen every size this thread asks for, and a free.
      if (!counted_warm && i + 1 >= long(calls_.size()) && (o_.remake_every == 0 || r.remakes > 0)) {
        counted_warm = true;
        warm_.fetch_add(1);
      }
    }
    if (!counted_warm) warm_.fetch_add(1);  // a thread that failed early does not hold the others
    wrpn_context_free(ctx);
  }

  void stop() { stop_.store(true); }
  int warm() const { return warm_.load(); }

 private:
  wrpn_context* make_context(int t, ThreadResult& r) {
    wrpn_context* ctx = nullptr;
    if (wrpn_context_create(model_, &ctx) != WRPN_OK || wrpn_context_set_threads(ctx, o_.context_threads) != WRPN_OK) {
      report(r.errors++, "thread %d: cannot make a context: %s\n", t, wrpn_last_error());
      wrpn_context_free(ctx);
      return nullptr;
    }
    return ctx;
  }

  // The first few problems of each thread are printed, the rest only counted.
  template <typename... Args>
  void report(long already, const char* format, Args... args) {
    if (already >= 3) return;
    std::lock_guard<std::mutex> lock(print_);
    std::printf(format, args...);
    std::fflush(stdout);
  }

  const Options& o_;
  wrpn_model* model_;
  const std::vector<Call> calls_;
  const std::vector<uint8_t> pool_;
  int shape_[3];
  const int classes_;
  std::atomic<bool> stop_{false};
  std::atomic<int> warm_{0};
  std::mutex print_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  wrpn_model* model = nullptr;
  if (wrpn_model_open(o.model.c_str(), &model) != WRPN_OK) {
    std::fprintf(stderr, "runtime_load: %s\n", wrpn_last_error());
    return 2;
  }
  int shape[3], classes = 0;
  wrpn_model_input_shape(model, &shape[0], &shape[1], &shape[2]);
  wrpn_model_classes(model, &classes);
  const size_t per_image = size_t(shape[0]) * shape[1] * shape[2];

  // The schedule: 16 calls of awkward batch sizes over a pool of 48 images, and each call's
  // reference from one context on this thread before any other thread starts.
  const int kPool = 48;
  const int kBatches[] = {1, 2, 3, 5, 7, 8, 16, 1, 17, 4, 1, 9, 31, 2, 1, 6};
  std::vector<uint8_t> pool = image_pool(kPool, per_image);
  std::vector<Call> calls;
  wrpn_context* reference = nullptr;
  if (wrpn_context_create(model, &reference) != WRPN_OK) {
    std::fprintf(stderr, "runtime_load: %s\n", wrpn_last_error());
    return 2;
  }
  for (int k = 0; k < 16; ++k) {
    Call c;
    c.batch = kBatches[k];
    c.first = (k * 11) % (kPool - c.batch + 1);
    c.reference.resize(size_t(c.batch) * classes);
    if (wrpn_run_pixels(reference, pool.data() + size_t(c.first) * per_image, c.batch, shape[0], shape[1], shape[2],
                        c.reference.data(), c.reference.size()) != WRPN_OK) {
      std::fprintf(stderr, "runtime_load: reference run: %s\n", wrpn_last_error());
      return 2;
    }
    calls.push_back(std::move(c));
  }
  wrpn_context_free(reference);
  if (o.flip_reference_bit) {
    uint32_t bits;
    std::memcpy(&bits, &calls[3].reference[0], sizeof bits);
    bits ^= 1u;
    std::memcpy(&calls[3].reference[0], &bits, sizeof bits);
  }
  std::printf(
      "runtime_load: %s (%dx%dx%d, %d classes), %d threads x %g s, each its own context (%d threads per "
      "batch), 16 calls of 1..31 images, contexts made anew every %ld calls\n",
      o.model.c_str(), shape[0], shape[1], shape[2], classes, o.threads, o.seconds, o.context_threads, o.remake_every);
  std::fflush(stdout);

  Load load(o, model, std::move(calls), std::move(pool), shape, classes);
  std::vector<ThreadResult> results(size_t(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) threads.emplace_back([&, t] { load.run_thread(t, results[size_t(t)]); });
  // "Start" is once every thread is warm (its buffers made; see run_thread).
  while (load.warm() < o.threads) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const Memory start = read_memory();
  Memory peak_seen = start;
  const auto t0 = std::chrono::steady_clock::now();
  const auto until = t0 + std::chrono::duration<double>(o.seconds);
  auto next_report = t0 + std::chrono::duration<double>(o.report_every);
  Memory half;  // at half time: the second half's growth says whether it is still growing
  const auto half_time = t0 + std::chrono::duration<double>(o.seconds / 2);
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const Memory m = read_memory();
    if (m.rss_kb > peak_seen.rss_kb) peak_seen.rss_kb = m.rss_kb;
    if (half.rss_kb < 0 && std::chrono::steady_clock::now() >= half_time) half = m;
    if (o.report_every > 0 && std::chrono::steady_clock::now() >= next_report) {
      next_report += std::chrono::duration<double>(o.report_every);
      const double at = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("%.0f s: VmRSS %ld kB, VmHWM %ld kB\n", at, m.rss_kb, m.hwm_kb);
      std::fflush(stdout);
    }
  }
  const Memory end = read_memory();
  if (half.rss_kb < 0) half = end;
  load.stop();
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  wrpn_model_free(model);

  ThreadResult total;
  for (int t = 0; t < o.threads; ++t) {
    const ThreadResult& r = results[size_t(t)];
    std::printf("thread %d: %ld calls, %ld images, %ld mismatches, %ld errors, %ld contexts re-made\n", t, r.calls,
                r.images, r.mismatches, r.errors, r.remakes);
    total.calls += r.calls;
    total.images += r.images;
    total.mismatches += r.mismatches;
    total.errors += r.errors;
    total.remakes += r.remakes;
  }
  const long rss_growth = end.rss_kb - start.rss_kb, hwm_growth = end.hwm_kb - start.hwm_kb;
  std::printf("total: %ld calls, %ld images in %.1f s, %ld mismatches, %ld errors, %ld contexts re-made\n", total.calls,
              total.images, elapsed, total.mismatches, total.errors, total.remakes);
  std::printf(
      "memory: VmRSS start %ld kB, half time %ld kB, end %ld kB (growth %ld kB, %ld kB in the second half), "
      "most sampled %ld kB; VmHWM start %ld kB, end %ld kB (growth %ld kB); bound %ld kB\n",
      start.rss_kb, half.rss_kb, end.rss_kb, rss_growth, end.rss_kb - half.rss_kb, peak_seen.rss_kb, start.hwm_kb,
      end.hwm_kb, hwm_growth, o.max_rss_growth_kb);
  bool ok = true;
  if (total.mismatches > 0 || total.errors > 0) {
    std::printf("FAIL: %ld mismatches, %ld failed calls\n", total.mismatches, total.errors);
    ok = false;
  }
  if (rss_growth > o.max_rss_growth_kb || hwm_growth > o.max_rss_growth_kb) {
    std::printf("FAIL: resident memory grew by more than %ld kB\n", o.max_rss_growth_kb);
    ok = false;
  }
  if (ok) std::printf("ok\n");
  return ok ? 0 : 1;
}
