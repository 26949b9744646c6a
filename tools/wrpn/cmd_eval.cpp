// wrpn eval: test accuracy of a checkpoint.
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "wrpn/train/evaluate_checkpoint.h"

namespace wrpn {
namespace cli {

namespace {
struct EvalFlags {
  std::string checkpoint;
  std::string data;
  int threads = 0;
  int64_t limit = 0;
  int64_t batch_size = 256;
};
}  // namespace

Command add_eval_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("eval", "Report the test accuracy of a checkpoint");
  auto f = std::make_shared<EvalFlags>();
  app->add_option("--checkpoint", f->checkpoint, "checkpoint.pt written by `wrpn train`")->required();
  app->add_option("--data", f->data, "dataset folder (default: the one the run trained on)");
  app->add_option("--threads", f->threads, "intra-op threads (0: all cores)");
  app->add_option("--limit-test", f->limit, "use only the first N test images");
  app->add_option("--batch-size", f->batch_size, "images per forward pass");
  return {
      app, [f]() {
        if (f->threads < 0) throw std::invalid_argument(fmt::format("--threads must be >= 0, got {}", f->threads));
        if (f->threads > 0) torch::set_num_threads(f->threads);
        const train::CheckpointEval e = train::evaluate_checkpoint(f->checkpoint, {f->data, f->limit, f->batch_size});
        const train::EvalResult& r = e.result;
        fmt::print("{} (epoch {}): test accuracy {:.2f}%, top-5 {:.2f}%, loss {:.4f} on {} images\n", e.model,
                   e.epochs_done, r.top1, r.top5, r.loss, r.samples);
        return 0;
      }};
}

}  // namespace cli
}  // namespace wrpn
