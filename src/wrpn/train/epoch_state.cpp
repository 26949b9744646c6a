#include "wrpn/train/epoch_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace wrpn {
namespace train {
namespace {

constexpr size_t kValues = 7;

}  // namespace

std::vector<double> to_values(const EpochTotals& t) {
  // int64 counts are exact in a double up to 2^53.
  return {t.loss_sum,       t.lr, double(t.correct), double(t.seen), double(t.skipped), double(t.peak_step_bytes),
          t.seconds_before};
}

EpochTotals totals_from_values(const std::vector<double>& v) {
  if (v.size() != kValues) throw std::runtime_error(fmt::format("{} epoch totals, expected {}", v.size(), kValues));
  EpochTotals t;
  t.loss_sum = v[0];
  t.lr = v[1];
  t.correct = int64_t(v[2]);
  t.seen = int64_t(v[3]);
  t.skipped = int64_t(v[4]);
  t.peak_step_bytes = int64_t(v[5]);
  t.seconds_before = v[6];
  return t;
}

nlohmann::json epoch_state_json(const std::vector<EpochTotals>& ranks, const nlohmann::json& layer_state) {
  nlohmann::json rows = nlohmann::json::array();
  for (const EpochTotals& t : ranks) rows.push_back(to_values(t));
  return {{"ranks", rows}, {"layers", layer_state}};
}

EpochTotals totals_for_rank(const nlohmann::json& state, int rank, int world, const std::string& source) {
  try {
    const auto rows = state.at("ranks").get<std::vector<std::vector<double>>>();
    if (rows.empty()) throw std::runtime_error("no rank's totals");
    if (int(rows.size()) == world) return totals_from_values(rows[size_t(rank)]);
    EpochTotals merged = totals_from_values(rows[0]);
    for (size_t i = 1; i < rows.size(); ++i) {
      const EpochTotals t = totals_from_values(rows[i]);
      merged.loss_sum += t.loss_sum;
      merged.correct += t.correct;
      merged.seen += t.seen;
      merged.skipped += t.skipped;
      merged.peak_step_bytes = std::max(merged.peak_step_bytes, t.peak_step_bytes);
    }
    if (rank == 0) return merged;
    EpochTotals zero;
    zero.lr = merged.lr;
    zero.seconds_before = merged.seconds_before;
    return zero;
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: the epoch in progress cannot be resumed: {}", source, e.what()));
  }
}

}  // namespace train
}  // namespace wrpn
