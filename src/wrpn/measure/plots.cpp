#include "wrpn/measure/plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "wrpn/train/atomic_file.h"

namespace wrpn {
namespace measure {
namespace {

std::string point_label(const ConfigSummary& s) { return fmt::format("{:g}x {}", s.width, s.config_label()); }

void write_points(const std::string& path, std::vector<ConfigSummary> rows, bool pareto_only, bool by_bytes) {
  if (pareto_only) {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const ConfigSummary& s) { return !(by_bytes ? s.pareto_bytes : s.pareto_compute); }),
               rows.end());
  }
  std::sort(rows.begin(), rows.end(), [&](const ConfigSummary& a, const ConfigSummary& b) {
    return by_bytes ? a.weight_bytes < b.weight_bytes : a.bit_ops_ratio < b.bit_ops_ratio;
  });
  std::string out = "# cost acc_mean acc_std label\n";
  for (const auto& s : rows) {
    out += fmt::format("{:.8g} {:.4f} {:.4f} \"{}\"\n", by_bytes ? s.weight_bytes / 1024.0 : s.bit_ops_ratio,
                       s.acc_mean, s.acc_std, point_label(s));
  }
  train::write_file_atomically(path, out);
}

}  // namespace

std::vector<std::string> write_plots(const std::string& folder, const std::vector<ConfigSummary>& rows) {
  // Accuracy against width: one block per precision (and quantizer).
  std::map<std::string, std::vector<const ConfigSummary*>> by_precision;
  std::vector<std::string> order;
  for (const auto& s : rows) {
    const std::string p = s.config_label();
    if (by_precision.count(p) == 0) order.push_back(p);
    by_precision[p].push_back(&s);
  }
  // Every file through the atomic writer: a full disk is an error naming the file, not a
  // silently short plot.
  std::string width_points;
  for (const auto& p : order) {
    width_points += "# precision " + p + "\n";
    auto v = by_precision[p];
    std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->width < b->width; });
    for (const auto* s : v) width_points += fmt::format("{:g} {:.4f} {:.4f}\n", s->width, s->acc_mean, s->acc_std);
    width_points += "\n\n";
  }
  train::write_file_atomically(folder + "/plot_width.dat", width_points);
  write_points(folder + "/plot_compute.dat", rows, false, false);
  write_points(folder + "/plot_compute_pareto.dat", rows, true, false);
  write_points(folder + "/plot_bytes.dat", rows, false, true);
  write_points(folder + "/plot_bytes_pareto.dat", rows, true, true);

  std::string gp =
      "set terminal svg size 820,560 dynamic font 'sans,12' background '#ffffff'\n"
      "set grid\nset key outside right top\nset ylabel 'test accuracy (%)'\n";
  gp +=
      "set output 'acc_vs_width.svg'\nset title 'Accuracy against width, per precision (W/A bits)'\n"
      "set xlabel 'width multiplier'\nset xtics 1\nplot ";
  for (size_t i = 0; i < order.size(); ++i) {
    gp += fmt::format("{}'plot_width.dat' index {} using 1:2:3 with yerrorlines lw 2 title '{}'", i ? ", " : "", i,
                      order[i]);
  }
  gp += "\nset xtics autofreq\nset logscale x 2\n";
  gp +=
      "set output 'acc_vs_compute.svg'\nset title 'Accuracy against compute (bit-operations, ratio to 1x FP32)'\n"
      "set xlabel 'bit-operations / 1x FP32 (log scale)'\n"
      "plot 'plot_compute.dat' using 1:2 with points pt 7 ps 0.8 lc rgb '#888888' title 'configuration', "
      "'' using 1:2:4 with labels offset 0.6,0.6 left font 'sans,9' notitle, "
      "'plot_compute_pareto.dat' using 1:2 with linespoints pt 7 ps 1.4 lw 2 lc rgb '#d62728' title 'Pareto "
      "frontier'\n";
  gp +=
      "set output 'acc_vs_bytes.svg'\nset title 'Accuracy against model size (weights packed at their precision)'\n"
      "set xlabel 'weight KiB (log scale)'\n"
      "plot 'plot_bytes.dat' using 1:2 with points pt 7 ps 0.8 lc rgb '#888888' title 'configuration', "
      "'' using 1:2:4 with labels offset 0.6,0.6 left font 'sans,9' notitle, "
      "'plot_bytes_pareto.dat' using 1:2 with linespoints pt 7 ps 1.4 lw 2 lc rgb '#1f77b4' title 'Pareto frontier'\n";
  train::write_file_atomically(folder + "/plots.gp", gp);
  const std::string cmd = fmt::format("cd '{}' && gnuplot plots.gp 2>plots.log", folder);
  if (std::system(cmd.c_str()) != 0) {
    throw std::runtime_error(fmt::format("gnuplot failed (see {}/plots.log); is gnuplot-nox installed?", folder));
  }
  return {folder + "/acc_vs_width.svg", folder + "/acc_vs_compute.svg", folder + "/acc_vs_bytes.svg"};
}

}  // namespace measure
}  // namespace wrpn
