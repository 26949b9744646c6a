#include "op_profile.h"

#include <fmt/format.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <map>

namespace wrpn {
namespace cli {

namespace prof = torch::autograd::profiler;

std::vector<OpTime> profile_ops(const std::function<void()>& run, int64_t repeats) {
  prof::thread_event_lists lists;
  {
    const prof::TLSLegacyProfilerGuard guard(
        torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU),
        [&lists](const prof::thread_event_lists& l) { lists = l; });
    for (int64_t i = 0; i < repeats; ++i) run();
  }
  struct Open {
    const prof::LegacyEvent* push;
    double children_us = 0;
  };
  std::map<std::string, OpTime> by_name;
  for (const auto& events : lists) {
    std::vector<Open> stack;  // ranges on one thread nest: a pop closes the latest push
    for (const auto& e : events) {
      if (e.kind() == prof::EventKind::PushRange) {
        stack.push_back({&e});
      } else if (e.kind() == prof::EventKind::PopRange && !stack.empty()) {
        const Open open = stack.back();
        stack.pop_back();
        const double us = open.push->cpuElapsedUs(e);
        OpTime& row = by_name[open.push->name()];
        row.self_ms += (us - open.children_us) / 1e3;
        ++row.calls;
        if (!stack.empty()) stack.back().children_us += us;
      }
    }
  }
  std::vector<OpTime> rows;
  for (auto& [name, row] : by_name) {
    row.name = name;
    row.self_ms /= double(repeats);
    row.calls = (row.calls + repeats - 1) / repeats;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const OpTime& a, const OpTime& b) { return a.self_ms > b.self_ms; });
  return rows;
}

std::string op_profile_table(const std::vector<OpTime>& ops, size_t top) {
  double total = 0;
  for (const auto& op : ops) total += op.self_ms;
  std::string out = fmt::format("  {:<44} {:>10} {:>7} {:>6}\n", "op (self time)", "ms/step", "share", "calls");
  double rest = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (i >= top) {
      rest += ops[i].self_ms;
      continue;
    }
    out += fmt::format("  {:<44} {:>10.2f} {:>6.1f}% {:>6}\n", ops[i].name.substr(0, 44), ops[i].self_ms,
                       total > 0 ? 100.0 * ops[i].self_ms / total : 0.0, ops[i].calls);
  }
  if (ops.size() > top) {
    out += fmt::format("  {:<44} {:>10.2f} {:>6.1f}%\n", fmt::format("({} other ops)", ops.size() - top), rest,
                       total > 0 ? 100.0 * rest / total : 0.0);
  }
  out += fmt::format("  {:<44} {:>10.2f}\n", "total under the profiler", total);
  return out;
}

}  // namespace cli
}  // namespace wrpn
