// wrpn bench: the benchmarks, one file each under bench/, every table a ratio against a
// baseline measured in the same run.
#include <functional>
#include <memory>
#include <vector>

#include "bench/bench_dist.h"
#include "bench/bench_infer.h"
#include "bench/bench_loader.h"
#include "bench/bench_memory.h"
#include "bench/bench_train.h"
#include "command.h"

namespace wrpn {
namespace cli {

Command add_bench_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("bench", "Benchmarks measured in one run, as ratios");
  app->require_subcommand(1);
  auto runs = std::make_shared<std::vector<std::function<int()>>>();
  add_train_bench(app, *runs);
  add_loader_bench(app, *runs);
  add_memory_bench(app, *runs);
  add_infer_bench(app, *runs);
  add_dist_bench(app, *runs);
  return {app, [runs]() {
            for (const auto& run : *runs) {
              const int rc = run();
              if (rc >= 0) return rc;
            }
            return 0;  // require_subcommand(1): not reached
          }};
}

}  // namespace cli
}  // namespace wrpn
