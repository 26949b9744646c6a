// The running totals of an epoch in progress: what a mid-epoch checkpoint keeps so that the
// resumed epoch reports exactly what an uninterrupted one would.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace wrpn {
namespace train {

/// One rank's totals over the steps of an epoch so far.
struct EpochTotals {
  double loss_sum = 0, lr = 0;
  int64_t correct = 0, seen = 0, skipped = 0, peak_step_bytes = 0;
  /// Seconds spent on the epoch before this process took it over (a resumed epoch).
  double seconds_before = 0;
};

/// The totals of every rank, as doubles in a fixed order (what an all-reduce carries).
std::vector<double> to_values(const EpochTotals& t);
EpochTotals totals_from_values(const std::vector<double>& v);

/// {"ranks": [[...], ...], "layers": layer_state}: one row of values per rank.
nlohmann::json epoch_state_json(const std::vector<EpochTotals>& ranks, const nlohmann::json& layer_state);

/// This rank's totals from a saved state: its own row when the run has as many ranks as
/// when it was saved; otherwise rank 0 takes the sum of the rows (the epoch's figures then
/// differ from an uninterrupted run's in the last bits of the loss) and the others start at 0.
/// Throws std::runtime_error naming `source` when the state is malformed.
EpochTotals totals_for_rank(const nlohmann::json& state, int rank, int world, const std::string& source);

}  // namespace train
}  // namespace wrpn
