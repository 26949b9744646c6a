#include "wrpn/runtime/profile_table.h"

#include <cstdio>
#include <map>

namespace wrpn::runtime {

std::string profile_table(const std::vector<NodeProfile>& profile) {
  double total = 0;
  for (const NodeProfile& p : profile) total += p.seconds;
  if (total <= 0) return "no profiled runs\n";
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%5s  %-16s %-40s %10s %7s\n", "node", "op", "kernel", "us/image", "share");
  out += line;
  std::map<std::string, double> by_op;
  for (size_t i = 0; i < profile.size(); ++i) {
    const NodeProfile& p = profile[i];
    by_op[p.op] += p.seconds;
    const double us = p.images > 0 ? 1e6 * p.seconds / double(p.images) : 0.0;
    std::snprintf(line, sizeof line, "%5zu  %-16s %-40s %10.2f %6.1f%%\n", i, p.op.c_str(),
                  p.kernel.empty() ? "-" : p.kernel.c_str(), us, 100.0 * p.seconds / total);
    out += line;
  }
  out += "share by op:";
  for (const auto& [op, s] : by_op) {
    std::snprintf(line, sizeof line, " %s %.1f%%", op.c_str(), 100.0 * s / total);
    out += line;
  }
  return out + "\n";
}

}  // namespace wrpn::runtime
