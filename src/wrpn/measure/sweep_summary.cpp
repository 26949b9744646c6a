#include "wrpn/measure/sweep_summary.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>

#include "wrpn/measure/cost.h"
#include "wrpn/train/atomic_file.h"

namespace wrpn {
namespace measure {
namespace {

std::string result_path(const SweepRun& run) { return run.config.out + "/result.json"; }

// Marks, per model, the configurations no other beats on both accuracy and cost.
template <typename Cost, typename Mark>
void mark_pareto(std::vector<ConfigSummary>& rows, Cost cost, Mark mark) {
  for (auto& a : rows) {
    bool dominated = false;
    for (const auto& b : rows) {
      if (&a == &b || a.model != b.model) continue;
      const bool no_worse = b.acc_mean >= a.acc_mean && cost(b) <= cost(a);
      const bool better = b.acc_mean > a.acc_mean || cost(b) < cost(a);
      if (no_worse && better) dominated = true;
    }
    mark(a) = !dominated;
  }
}

}  // namespace

void write_run_result(const RunResult& r) {
  nlohmann::json j = {{"id", r.run.id},
                      {"test_acc", r.test_acc},
                      {"test_loss", r.test_loss},
                      {"epochs", r.epochs},
                      {"seconds", r.seconds}};
  if (!std::isnan(r.val_acc)) j["val_acc"] = r.val_acc;
  train::write_file_atomically(result_path(r.run), j.dump(2) + "\n");
}

RunResult read_run_result(const SweepRun& run) {
  std::ifstream in(result_path(run));
  if (!in) throw std::runtime_error(fmt::format("sweep run {} has no result.json", run.id));
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("test_acc")) {
    throw std::runtime_error(fmt::format("{} is not a sweep result", result_path(run)));
  }
  RunResult r;
  r.run = run;
  r.test_acc = j["test_acc"];
  r.test_loss = j["test_loss"];
  r.epochs = j["epochs"];
  r.seconds = j["seconds"];
  if (j.contains("val_acc") && j["val_acc"].is_number()) r.val_acc = j["val_acc"];
  return r;
}

std::string ConfigSummary::config_label() const {
  return quantizer == quant::Scheme::Wrpn ? precision.label() : precision.label() + " " + quant::to_string(quantizer);
}

std::vector<ConfigSummary> summarize_sweep(const std::vector<RunResult>& results) {
  std::vector<ConfigSummary> rows;
  std::map<std::string, std::vector<double>> accs;
  for (const auto& r : results) {
    ConfigSummary row;
    row.precision = r.run.precision;
    row.quantizer = r.run.quantizer;
    const std::string key = fmt::format("{}|{:g}|{}", r.run.model, r.run.width, row.config_label());
    if (accs.count(key) == 0) {
      ConfigSummary s = row;
      s.model = r.run.model;
      s.width = r.run.width;
      const CostReport cost = estimate_cost(r.run.config.model, /*batch=*/1);
      s.weight_bytes = cost.total.weight_bytes;
      s.weight_bytes_ratio = cost.total.weight_bytes / cost.baseline.weight_bytes;
      s.macs_ratio = double(cost.total.macs) / double(cost.baseline.macs);
      s.bit_ops_ratio = cost.total.bit_ops / cost.baseline.bit_ops;
      s.mac_cost_ratio = cost.total.mac_cost / cost.baseline.mac_cost;
      s.training_bytes_ratio = cost.total.training_bytes / cost.baseline.training_bytes;
      rows.push_back(s);
    }
    accs[key].push_back(r.test_acc);
  }
  for (auto& s : rows) {
    const auto& a = accs[fmt::format("{}|{:g}|{}", s.model, s.width, s.config_label())];
    s.runs = int(a.size());
    double sum = 0;
    for (double v : a) sum += v;
    s.acc_mean = sum / double(a.size());
    double sq = 0;
    for (double v : a) sq += (v - s.acc_mean) * (v - s.acc_mean);
    s.acc_std = a.size() > 1 ? std::sqrt(sq / double(a.size() - 1)) : 0.0;
  }
  for (auto& s : rows) {
    for (const auto& b : rows) {
      if (b.model == s.model && b.width == 1.0 && b.precision.weight_bits == 32 && b.precision.activation_bits == 32) {
        s.reaches_baseline = s.acc_mean >= b.acc_mean;
      }
    }
  }
  mark_pareto(
      rows, [](const ConfigSummary& s) { return s.bit_ops_ratio; },
      [](ConfigSummary& s) -> bool& { return s.pareto_compute; });
  mark_pareto(
      rows, [](const ConfigSummary& s) { return s.weight_bytes; },
      [](ConfigSummary& s) -> bool& { return s.pareto_bytes; });
  return rows;
}

std::string markdown_table(const std::vector<ConfigSummary>& rows) {
  std::string out =
      "| model | width | W/A | runs | test acc % (mean ± std) | reaches 1x FP32 | bit-ops ratio | "
      "linear MAC cost ratio | weight bytes ratio | training memory ratio | Pareto (compute / bytes) |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : rows) {
    out +=
        fmt::format("| {} | {:g}x | {} | {} | {:.2f} ± {:.2f} | {} | {:.4f} | {:.3f} | {:.3f} | {:.3f} | {} / {} |\n",
                    s.model, s.width, s.config_label(), s.runs, s.acc_mean, s.acc_std,
                    s.reaches_baseline ? "yes" : "no", s.bit_ops_ratio, s.mac_cost_ratio, s.weight_bytes_ratio,
                    s.training_bytes_ratio, s.pareto_compute ? "**yes**" : "no", s.pareto_bytes ? "**yes**" : "no");
  }
  return out;
}

void write_summary_files(const std::string& folder, const std::vector<ConfigSummary>& rows,
                         const std::string& command) {
  std::string csv =
      "model,width,wbits,abits,runs,acc_mean,acc_std,reaches_baseline,weight_bytes,"
      "weight_bytes_ratio,macs_ratio,bit_ops_ratio,mac_cost_ratio,training_bytes_ratio,"
      "pareto_compute,pareto_bytes,quantizer\n";
  nlohmann::json json = nlohmann::json::array();
  for (const auto& s : rows) {
    csv += fmt::format("{},{:g},{},{},{},{:.4f},{:.4f},{},{:.0f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{},{}\n", s.model,
                       s.width, s.precision.weight_bits, s.precision.activation_bits, s.runs, s.acc_mean, s.acc_std,
                       int(s.reaches_baseline), s.weight_bytes, s.weight_bytes_ratio, s.macs_ratio, s.bit_ops_ratio,
                       s.mac_cost_ratio, s.training_bytes_ratio, int(s.pareto_compute), int(s.pareto_bytes),
                       quant::to_string(s.quantizer));
    json.push_back({{"model", s.model},
                    {"width", s.width},
                    {"wbits", s.precision.weight_bits},
                    {"abits", s.precision.activation_bits},
                    {"runs", s.runs},
                    {"acc_mean", s.acc_mean},
                    {"acc_std", s.acc_std},
                    {"reaches_baseline", s.reaches_baseline},
                    {"weight_bytes", s.weight_bytes},
                    {"weight_bytes_ratio", s.weight_bytes_ratio},
                    {"macs_ratio", s.macs_ratio},
                    {"bit_ops_ratio", s.bit_ops_ratio},
                    {"mac_cost_ratio", s.mac_cost_ratio},
                    {"training_bytes_ratio", s.training_bytes_ratio},
                    {"pareto_compute", s.pareto_compute},
                    {"pareto_bytes", s.pareto_bytes},
                    {"quantizer", quant::to_string(s.quantizer)}});
  }
  train::write_file_atomically(folder + "/summary.csv", csv);
  train::write_file_atomically(folder + "/summary.json", json.dump(2) + "\n");
  train::write_file_atomically(folder + "/summary.md", "Command: `" + command + "`\n\n" + markdown_table(rows));
}

}  // namespace measure
}  // namespace wrpn
