// Sweep plots as SVG files, drawn by gnuplot (Debian's gnuplot-nox): accuracy against width
// per precision, and accuracy against relative compute and against model bytes with the
// Pareto frontier marked.
#pragma once

#include <string>
#include <vector>

#include "wrpn/measure/sweep_summary.h"

namespace wrpn {
namespace measure {

/// Writes the data files and plots.gp into `folder` and runs gnuplot on it. Returns the SVG
/// paths written; throws std::runtime_error naming the command when gnuplot fails.
std::vector<std::string> write_plots(const std::string& folder, const std::vector<ConfigSummary>& rows);

}  // namespace measure
}  // namespace wrpn
