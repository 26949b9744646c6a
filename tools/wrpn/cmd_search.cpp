// wrpn search: the most accurate configuration of a model under budgets relative to 1x FP32
// (measure/search.h decides; the sweep runner trains, resumable).
#include <fmt/format.h>

#include <filesystem>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "command.h"
#include "dist_flags.h"
#include "search_speed.h"
#include "sweep_runner.h"
#include "train_flags.h"
#include "wrpn/measure/search.h"

namespace wrpn {
namespace cli {
namespace {

struct SearchFlags {
  std::string out = "runs/search";
  std::vector<double> widths, stage_widths;
  std::vector<std::string> quantizers, precisions, stages, stage_precisions;
  measure::SearchBudget budget;
  int64_t proxy_images = 5000;
  int proxy_epochs = 1;
  int top = 3;
  int jobs = 1;
};

std::vector<measure::Precision> precisions_of(const std::vector<std::string>& texts) {
  std::vector<measure::Precision> out;
  for (const auto& t : texts) out.push_back(measure::parse_precision(t));
  return out;
}

void check_plan(const measure::SearchPlan& p, const SearchFlags& f) {
  const auto require = [](bool ok, const std::string& message) {
    if (!ok) throw std::invalid_argument(message);
  };
  for (const auto& [flag, v] : {std::pair{"--max-bit-ops", p.budget.bit_ops},
                                std::pair{"--max-weight-bytes", p.budget.weight_bytes},
                                std::pair{"--max-train-memory", p.budget.training_bytes},
                                std::pair{"--max-infer-memory", p.budget.inference_bytes},
                                std::pair{"--max-energy", p.budget.energy},
                                std::pair{"--min-speedup", p.budget.min_speedup}}) {
    require(v >= 0 && std::isfinite(v), fmt::format("{} must be a ratio >= 0 (0: no limit), got {}", flag, v));
  }
  require(p.proxy_images >= 1, fmt::format("--proxy-images must be >= 1, got {}", p.proxy_images));
  require(p.proxy_epochs >= 1, fmt::format("--proxy-epochs must be >= 1, got {}", p.proxy_epochs));
  require(p.top >= 1, fmt::format("--top must be >= 1, got {}", p.top));
  require(f.jobs >= 1, fmt::format("--jobs must be >= 1, got {}", f.jobs));
  require(!p.space.widths.empty() && !p.space.quantizers.empty() && !p.space.precisions.empty(),
          "--widths, --quantizers and --precisions must not be empty");
  for (double w : p.space.widths) require(w > 0 && std::isfinite(w), fmt::format("--widths must be > 0, got {}", w));
  for (double w : p.space.stage_widths) {
    require(w > 0 && w <= 64 && std::isfinite(w), fmt::format("--stage-widths must be in (0, 64], got {}", w));
  }
}

// Trains the candidates `ids` of `all` (proxy or full) and records their accuracies: on the
// held-out split where there is one (what ranks), and the full runs' test accuracy.
void train_all(std::vector<measure::Candidate>& all, const std::vector<std::string>& ids,
               const measure::SearchPlan& plan, bool proxy, const std::string& folder, const SweepRunnerOptions& o) {
  if (ids.empty()) return;
  std::map<std::string, measure::Candidate*> by_id;
  for (measure::Candidate& c : all) by_id[c.id] = &c;
  std::vector<measure::SweepRun> runs;
  for (const std::string& id : ids) runs.push_back(measure::candidate_run(plan, *by_id.at(id), proxy, folder));
  const std::vector<measure::RunResult> results = run_sweep(runs, o);
  for (size_t i = 0; i < ids.size(); ++i) {
    measure::Candidate& c = *by_id.at(ids[i]);
    const double ranking = std::isnan(results[i].val_acc) ? results[i].test_acc : results[i].val_acc;
    (proxy ? c.proxy_acc : c.full_acc) = ranking;
    if (!proxy) c.full_test_acc = results[i].test_acc;
  }
}

std::vector<std::string> within_budget(const std::vector<measure::Candidate>& all, size_t from) {
  std::vector<std::string> out;
  for (size_t i = from; i < all.size(); ++i) {
    if (all[i].over_budget.empty()) out.push_back(all[i].id);
  }
  return out;
}

}  // namespace

Command add_search_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "search",
      "Find the most accurate width x quantizer x bits (uniform, then per stage) under budgets relative to 1x FP32: "
      "the cost model prunes, a short proxy training ranks, the best few train fully (resumable)");
  auto f = std::make_shared<SearchFlags>();
  auto flags = std::make_shared<TrainFlags>();
  app->add_option("--out", f->out, "search folder (proxy/<id>/, full/<id>/, search.md, pareto.svg, chosen.json)");
  app->add_option("--widths", f->widths, "comma-separated widths to try (default 1,2,3)")->delimiter(',');
  app->add_option("--quantizers", f->quantizers, "comma-separated quantizers to try (default wrpn)")->delimiter(',');
  app->add_option("--precisions", f->precisions, "comma-separated uniform WBITS/ABITS to try (default 4/4,2/4,2/2)")
      ->delimiter(',');
  app->add_option("--stages", f->stages,
                  "comma-separated layer patterns of the stages to vary (default: the model's top-level blocks)")
      ->delimiter(',');
  app->add_option("--stage-precisions", f->stage_precisions,
                  "comma-separated WBITS/ABITS a stage may take (default 8/8,4/4,2/2)")
      ->delimiter(',');
  app->add_option("--stage-widths", f->stage_widths,
                  "comma-separated widths a stage may take (default: those of --widths)")
      ->delimiter(',');
  app->add_option("--max-bit-ops", f->budget.bit_ops, "budget: bit-operations, ratio to 1x FP32 (0: none)");
  app->add_option("--max-weight-bytes", f->budget.weight_bytes, "budget: packed weight bytes, ratio (0: none)");
  app->add_option("--max-train-memory", f->budget.training_bytes, "budget: training memory at the batch, ratio");
  app->add_option("--max-infer-memory", f->budget.inference_bytes, "budget: inference memory per image, ratio");
  app->add_option("--max-energy", f->budget.energy, "budget: estimated inference energy per image, ratio");
  app->add_option("--min-speedup", f->budget.min_speedup,
                  "budget: the runtime's measured images/s here at least this many times 1x FP32 LibTorch's (1 thread; "
                  "0: none)");
  app->add_option("--proxy-images", f->proxy_images, "proxy: training images (default 5000)");
  app->add_option("--proxy-epochs", f->proxy_epochs, "proxy: epochs (default 1)");
  app->add_option("--top", f->top, "candidates trained with the full recipe (default 3)");
  app->add_option("--jobs", f->jobs, "runs at a time; the cores are shared between them");
  app->add_option("--config", flags->config_file, "JSON config of the full recipe; flags given override its keys");
  flags->add_model_flags(app);  // the model; its width, bits and quantizer are the search's
  flags->add_training_flags(app, /*run_folder_flags=*/false);
  return {app, [f, flags, app]() {
            measure::SearchPlan plan;
            plan.base = flags->resolve(train::TrainConfig{});
            // The search ranks on a held-out tail of the training set unless told otherwise.
            if (plan.base.validation_fraction == 0 && app->count("--validation-fraction") == 0) {
              plan.base.validation_fraction = 0.1;
            }
            plan.base.validate();
            if (!f->widths.empty()) plan.space.widths = f->widths;
            if (!f->quantizers.empty()) {
              plan.space.quantizers.clear();
              for (const auto& q : f->quantizers) plan.space.quantizers.push_back(quant::parse_scheme(q));
            }
            if (!f->precisions.empty()) plan.space.precisions = precisions_of(f->precisions);
            if (!f->stage_precisions.empty()) plan.space.stage_precisions = precisions_of(f->stage_precisions);
            plan.space.stages = f->stages;
            plan.space.stage_widths = f->stage_widths;
            plan.budget = f->budget;
            plan.proxy_images = f->proxy_images;
            plan.proxy_epochs = f->proxy_epochs;
            plan.top = f->top;
            check_plan(plan, *f);
            std::filesystem::create_directories(f->out);

            SweepRunnerOptions o;
            o.executable = self_executable();
            o.jobs = f->jobs;
            o.label = "search";
            const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
            o.threads_per_job = plan.base.threads > 0 ? plan.base.threads : std::max(1, cores / f->jobs);

            // Within the priced budgets, the speed budget measures what remains (search_speed.h).
            const auto within_all = [&](std::vector<measure::Candidate>& all, size_t from) {
              if (plan.budget.min_speedup > 0) {
                measure::apply_speed_budget(
                    all, measured_speedups(all, within_budget(all, from), plan.base.model, f->out), plan.budget);
              }
              return within_budget(all, from);
            };
            measure::SearchResult r;
            r.candidates = measure::uniform_candidates(plan);
            const auto uniform = within_all(r.candidates, 0);
            fmt::print("search: {} uniform candidates, {} within the budget\n", r.candidates.size(), uniform.size());
            if (uniform.empty()) {
              measure::write_search_files(f->out, plan, r, invocation());
              throw std::invalid_argument(fmt::format(
                  "no uniform configuration of {} fits the budget (see {}/search.md): widen the search or the budget",
                  plan.base.model.name, f->out));
            }
            train_all(r.candidates, uniform, plan, /*proxy=*/true, f->out, o);

            const measure::Candidate best = *measure::ranked_by_proxy(r.candidates).front();
            const size_t first_stage = r.candidates.size();
            for (measure::Candidate& c : measure::stage_candidates(plan, best)) r.candidates.push_back(std::move(c));
            const auto staged = within_all(r.candidates, first_stage);
            fmt::print("search: {} per-stage candidates around {}, {} within the budget\n",
                       r.candidates.size() - first_stage, best.label(), staged.size());
            train_all(r.candidates, staged, plan, /*proxy=*/true, f->out, o);

            // The best few by the proxy, and the best uniform one (what the chosen one is measured against).
            std::vector<std::string> top;
            for (const measure::Candidate* c : measure::ranked_by_proxy(r.candidates)) {
              if (int(top.size()) < plan.top) top.push_back(c->id);
            }
            if (std::find(top.begin(), top.end(), best.id) == top.end()) top.push_back(best.id);
            train_all(r.candidates, top, plan, /*proxy=*/false, f->out, o);

            measure::conclude(r);
            for (const std::string& path : measure::write_search_files(f->out, plan, r, invocation())) {
              fmt::print("wrote {}\n", path);
            }
            fmt::print(
                "search: chosen {} ({:.2f}% after full training, {:.2f}% on the test set; bit-ops {:.4f}, weight bytes "
                "{:.4f} of 1x FP32)\n",
                r.chosen->label(), r.chosen->full_acc, r.chosen->full_test_acc, r.chosen->cost.bit_ops,
                r.chosen->cost.weight_bytes);
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
