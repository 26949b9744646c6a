#include "wrpn/measure/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "wrpn/measure/cost.h"
#include "wrpn/measure/energy.h"
#include "wrpn/models/registry.h"
#include "wrpn/quant/bits.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/train/atomic_file.h"

namespace wrpn {
namespace measure {
namespace {

double ratio(double value, double baseline) { return baseline > 0 ? value / baseline : 0; }

CostRatios price(const models::ModelSpec& spec, int64_t batch) {
  const CostReport cost = estimate_cost(spec, batch);
  const EnergyReport energy = estimate_energy(cost, EnergyTable{});
  const CostTotals &t = cost.total, &b = cost.baseline;
  CostRatios r;
  r.bit_ops = ratio(t.bit_ops, b.bit_ops);
  r.weight_bytes = ratio(t.weight_bytes, b.weight_bytes);
  r.training_bytes = ratio(t.training_bytes, b.training_bytes);
  r.inference_bytes = ratio(t.weight_bytes + t.inference_activation_bytes, b.weight_bytes + b.inference_activation_bytes);
  r.energy = ratio(energy.total.inference_pj(), energy.baseline.inference_pj());
  return r;
}

// The first budget the cost breaks, as "bit-ops 0.56 > 0.25"; empty when it breaks none.
std::string over_budget(const CostRatios& c, const SearchBudget& b) {
  const std::pair<const char*, std::pair<double, double>> limits[] = {
      {"bit-ops", {c.bit_ops, b.bit_ops}},
      {"weight bytes", {c.weight_bytes, b.weight_bytes}},
      {"training memory", {c.training_bytes, b.training_bytes}},
      {"inference memory", {c.inference_bytes, b.inference_bytes}},
      {"energy", {c.energy, b.energy}},
  };
  for (const auto& [name, v] : limits) {
    if (v.second > 0 && v.first > v.second) return fmt::format("{} {:.3g} > {:g}", name, v.first, v.second);
  }
  return "";
}

Candidate make_candidate(const SearchPlan& plan, std::string id, models::ModelSpec spec) {
  Candidate c;
  c.id = std::move(id);
  c.spec = std::move(spec);
  c.cost = price(c.spec, plan.base.batch_size);
  c.over_budget = over_budget(c.cost, plan.budget);
  return c;
}

std::string uniform_id(double width, const Precision& p, quant::Scheme q) {
  return fmt::format("w{:g}-{}-{}-{}", width, p.weight_bits, p.activation_bits, quant::to_string(q));
}

// "stage1.*" -> "stage1"; anything but letters, digits, '-' and '_' becomes '_'.
std::string stage_name(const std::string& pattern) {
  std::string s = pattern;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".*") == 0) s.resize(s.size() - 2);
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '_';
  }
  return s;
}

bool within(const Candidate& c) { return c.over_budget.empty(); }

std::string percent(double acc) { return std::isnan(acc) ? "-" : fmt::format("{:.2f}", acc); }

nlohmann::json number(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

nlohmann::json cost_json(const CostRatios& c) {
  return {{"bit_ops", c.bit_ops},
          {"weight_bytes", c.weight_bytes},
          {"training_bytes", c.training_bytes},
          {"inference_bytes", c.inference_bytes},
          {"energy", c.energy},
          {"speedup", number(c.speedup)}};
}

// Accuracy against bit-ops: every candidate within budget (proxy hollow, full filled), the
// proxy's Pareto front as a line, the chosen one ringed, the bit-ops budget as a dashed line.
std::string pareto_svg(const SearchPlan& plan, const SearchResult& r) {
  const double w = 820, h = 560, left = 70, right = 30, top = 50, bottom = 60;
  double x_lo = 1e300, x_hi = 0, y_lo = 100, y_hi = 0;
  for (const Candidate& c : r.candidates) {
    if (!within(c) || c.cost.bit_ops <= 0) continue;
    x_lo = std::min(x_lo, c.cost.bit_ops);
    x_hi = std::max(x_hi, c.cost.bit_ops);
    for (double acc : {c.proxy_acc, c.full_acc}) {
      if (std::isnan(acc)) continue;
      y_lo = std::min(y_lo, acc);
      y_hi = std::max(y_hi, acc);
    }
  }
  if (plan.budget.bit_ops > 0) x_hi = std::max(x_hi, plan.budget.bit_ops);
  if (x_hi <= 0) x_lo = 0.01, x_hi = 1;
  if (y_hi < y_lo) y_lo = 0, y_hi = 100;
  x_lo /= 1.5, x_hi *= 1.5;  // log axis with a margin
  y_lo = std::max(0.0, y_lo - 2), y_hi = std::min(100.0, y_hi + 2);
  const auto X = [&](double v) { return left + (std::log(v) - std::log(x_lo)) / (std::log(x_hi) - std::log(x_lo)) * (w - left - right); };
  const auto Y = [&](double v) { return h - bottom - (v - y_lo) / std::max(1e-9, y_hi - y_lo) * (h - top - bottom); };
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' viewBox='0 0 {0} {1}' font-family='sans-serif' "
      "font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='{2}' y='24' font-size='15'>wrpn search: {3}, accuracy against bit-operations (ratio to 1x FP32)</text>\n",
      w, h, left, plan.base.model.name);
  s += fmt::format("<line x1='{0}' y1='{1}' x2='{2}' y2='{1}' stroke='black'/><line x1='{0}' y1='{1}' x2='{0}' y2='{3}' "
                   "stroke='black'/>\n",
                   left, h - bottom, w - right, top);
  for (double d = std::pow(10, std::floor(std::log10(x_lo))); d <= x_hi; d *= 10) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = d * m;
      if (v < x_lo || v > x_hi) continue;
      s += fmt::format("<line x1='{0:.1f}' y1='{1}' x2='{0:.1f}' y2='{2}' stroke='#ddd'/><text x='{0:.1f}' y='{3}' "
                       "text-anchor='middle'>{4:g}</text>\n",
                       X(v), h - bottom, top, h - bottom + 18, v);
    }
  }
  const double step = y_hi - y_lo > 20 ? 10 : y_hi - y_lo > 8 ? 2 : 1;
  for (double v = std::ceil(y_lo / step) * step; v <= y_hi; v += step) {
    s += fmt::format("<line x1='{0}' y1='{1:.1f}' x2='{2}' y2='{1:.1f}' stroke='#ddd'/><text x='{3}' y='{4:.1f}' "
                     "text-anchor='end'>{5:g}</text>\n",
                     left, Y(v), w - right, left - 6, Y(v) + 4, v);
  }
  s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>bit-operations / 1x FP32 (log)</text>\n", (left + w - right) / 2,
                   h - 18);
  s += fmt::format("<text x='18' y='{}' transform='rotate(-90 18 {})' text-anchor='middle'>test accuracy (%)</text>\n",
                   (top + h - bottom) / 2, (top + h - bottom) / 2);
  if (plan.budget.bit_ops > 0) {
    s += fmt::format("<line x1='{0:.1f}' y1='{1}' x2='{0:.1f}' y2='{2}' stroke='#c33' stroke-dasharray='6 4'/><text "
                     "x='{3:.1f}' y='{4}' fill='#c33'>budget {5:g}</text>\n",
                     X(plan.budget.bit_ops), h - bottom, top, X(plan.budget.bit_ops) + 4, top + 12, plan.budget.bit_ops);
  }
  std::string line;
  for (const Candidate* c : pareto_front(r.candidates, /*proxy=*/true)) {
    line += fmt::format("{:.1f},{:.1f} ", X(c->cost.bit_ops), Y(c->proxy_acc));
  }
  if (!line.empty()) s += "<polyline fill='none' stroke='#58c' stroke-width='1.5' points='" + line + "'/>\n";
  for (const Candidate& c : r.candidates) {
    if (!within(c)) continue;
    if (!std::isnan(c.proxy_acc)) {
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='4' fill='none' stroke='#58c'><title>{} proxy {:.2f}</title></circle>\n",
                       X(c.cost.bit_ops), Y(c.proxy_acc), c.label(), c.proxy_acc);
    }
    if (!std::isnan(c.full_acc)) {
      s += fmt::format("<circle cx='{0:.1f}' cy='{1:.1f}' r='5' fill='#e80'><title>{2} full {3:.2f}</title></circle>"
                       "<text x='{4:.1f}' y='{5:.1f}'>{2}</text>\n",
                       X(c.cost.bit_ops), Y(c.full_acc), c.label(), c.full_acc, X(c.cost.bit_ops) + 8, Y(c.full_acc) - 6);
    }
  }
  if (r.chosen) {
    s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='10' fill='none' stroke='#2a2' stroke-width='2'/>\n",
                     X(r.chosen->cost.bit_ops), Y(r.chosen->full_acc));
  }
  s += fmt::format("<text x='{}' y='{}' fill='#58c'>o proxy (short training)</text><text x='{}' y='{}' fill='#e80'>* full "
                   "training</text><text x='{}' y='{}' fill='#2a2'>O chosen</text>\n",
                   w - 360, top + 12, w - 200, top + 12, w - 95, top + 12);
  return s + "</svg>\n";
}

std::string markdown(const SearchPlan& plan, const SearchResult& r, const std::string& command) {
  std::string s = fmt::format("# wrpn search: {}\n\n`{}`\n\n", plan.base.model.name, command);
  s += fmt::format(
      "Budgets (ratio to 1x FP32; 0 = none): bit-ops {:g}, weight bytes {:g}, training memory {:g}, inference memory "
      "{:g}, energy {:g}, runtime speedup at least {:g}x. Proxy: {} images, {} epoch(s); the best {} trained with the full recipe ({} epochs{}).\n\n",
      plan.budget.bit_ops, plan.budget.weight_bytes, plan.budget.training_bytes, plan.budget.inference_bytes,
      plan.budget.energy, plan.budget.min_speedup, plan.proxy_images, plan.proxy_epochs, plan.top, plan.base.epochs,
      plan.base.limit_train > 0 ? fmt::format(", {} images", plan.base.limit_train) : "");
  const std::string ranked_on = plan.base.validation_fraction > 0
                                    ? fmt::format("validation: the last {:g}% of the training images, held out",
                                                  100 * plan.base.validation_fraction)
                                    : "the test set (no validation split)";
  s += fmt::format("Proxy and full accuracies rank and choose on {}; the test accuracy is reported only.\n\n",
                   ranked_on);
  s += "| candidate | bit-ops | weight bytes | training mem | inference mem | energy | speedup | budget | proxy acc | "
       "full acc | full test acc |\n";
  s += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Candidate& c : r.candidates) {
    s += fmt::format("| {} | {:.4f} | {:.4f} | {:.3f} | {:.3f} | {:.4f} | {} | {} | {} | {} | {} |\n", c.label(),
                     c.cost.bit_ops, c.cost.weight_bytes, c.cost.training_bytes, c.cost.inference_bytes,
                     c.cost.energy, std::isnan(c.cost.speedup) ? "-" : fmt::format("{:.2f}x", c.cost.speedup),
                     within(c) ? "within" : c.over_budget, percent(c.proxy_acc), percent(c.full_acc),
                     percent(c.full_test_acc));
  }
  s += "\nPareto front (proxy accuracy against bit-ops, within budget):";
  for (const Candidate* c : pareto_front(r.candidates, true)) {
    s += fmt::format(" {} ({:.4f}, {:.2f});", c->label(), c->cost.bit_ops, c->proxy_acc);
  }
  s += "\n\n";
  if (r.chosen) {
    s += fmt::format(
        "**Chosen: {}** — {:.2f}% after full training ({:.2f}% on the test set), bit-ops {:.4f}, weight bytes {:.4f} of "
        "1x FP32.\n",
        r.chosen->label(), r.chosen->full_acc, r.chosen->full_test_acc, r.chosen->cost.bit_ops,
        r.chosen->cost.weight_bytes);
  } else {
    s += "**Nothing chosen**: no candidate within the budget was trained.\n";
  }
  if (r.best_uniform && r.chosen) {
    s += fmt::format(
        "Best uniform configuration trained: {} ({:.2f}%, {:.2f}% on the test set): the chosen one is {:+.2f} points "
        "from it ({:+.2f} on the test set).\n",
        r.best_uniform->label(), r.best_uniform->full_acc, r.best_uniform->full_test_acc,
        r.chosen->full_acc - r.best_uniform->full_acc, r.chosen->full_test_acc - r.best_uniform->full_test_acc);
  }
  if (!std::isnan(r.proxy_full_spearman)) {
    s += fmt::format("Proxy against full training, Spearman rank correlation over the fully trained: {:.2f}.\n",
                     r.proxy_full_spearman);
  }
  return s;
}

}  // namespace

std::string Candidate::label() const {
  std::string s = fmt::format("{:g}x {}/{} {}", spec.width, spec.weight_bits, spec.activation_bits,
                              quant::to_string(spec.quantizer));
  if (!stage.empty()) s += ", " + stage;
  return s;
}

std::vector<Candidate> uniform_candidates(const SearchPlan& plan) {
  std::vector<Candidate> out;
  for (const double width : plan.space.widths) {
    for (const quant::Scheme q : plan.space.quantizers) {
      for (const Precision& p : plan.space.precisions) {
        if (quant::is_full_precision(p.weight_bits) && quant::is_full_precision(p.activation_bits)) continue;
        models::ModelSpec spec = plan.base.model;
        spec.width = width;
        spec.quantizer = q;
        spec.weight_bits = p.weight_bits;
        spec.activation_bits = p.activation_bits;
        out.push_back(make_candidate(plan, uniform_id(width, p, q), spec));
      }
    }
  }
  return out;
}

std::vector<std::string> stage_patterns(const SearchPlan& plan) {
  if (!plan.space.stages.empty()) return plan.space.stages;
  std::vector<std::string> out;
  const auto model = models::build_model(plan.base.model);
  for (const auto& child : model->named_children()) {
    bool holds_layer = false;
    for (const auto& m : child.value()->modules(/*include_self=*/true)) {
      holds_layer |= dynamic_cast<const nn::QConv2dImpl*>(m.get()) || dynamic_cast<const nn::QLinearImpl*>(m.get());
    }
    if (!holds_layer) continue;
    const bool leaf = child.value()->children().empty();
    out.push_back(leaf ? child.key() : child.key() + ".*");
  }
  return out;
}

std::vector<Candidate> stage_candidates(const SearchPlan& plan, const Candidate& best) {
  std::vector<Candidate> out;
  for (const std::string& pattern : stage_patterns(plan)) {
    for (const Precision& p : plan.space.stage_precisions) {
      if (p.weight_bits == best.spec.weight_bits && p.activation_bits == best.spec.activation_bits) continue;
      models::ModelSpec spec = best.spec;
      const models::LayerBitsRule rule{pattern, p.weight_bits, p.activation_bits};
      spec.layer_bits.insert(spec.layer_bits.begin(), rule);  // first match wins: before the recipe's own
      Candidate c = make_candidate(
          plan, fmt::format("{}-{}-{}-{}", best.id, stage_name(pattern), p.weight_bits, p.activation_bits), spec);
      c.stage = rule.text();
      out.push_back(std::move(c));
    }
  }
  for (Candidate& c : stage_width_candidates(plan, best)) out.push_back(std::move(c));
  return out;
}

std::vector<Candidate> stage_width_candidates(const SearchPlan& plan, const Candidate& best) {
  std::vector<Candidate> out;
  const std::vector<double>& widths = plan.space.stage_widths.empty() ? plan.space.widths : plan.space.stage_widths;
  for (const std::string& stage : models::width_stages(best.spec)) {
    if (!plan.space.stages.empty() && std::none_of(plan.space.stages.begin(), plan.space.stages.end(), [&](const std::string& p) {
          // "stage1.*" (the layers of stage1) names the width stage stage1 too
          const bool layers_of = p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0;
          return models::path_matches(p, stage) || (layers_of && models::path_matches(p.substr(0, p.size() - 2), stage));
        })) {
      continue;
    }
    for (const double w : widths) {
      if (w == best.spec.width) continue;
      models::ModelSpec spec = best.spec;
      const models::StageWidthRule rule{stage, w};
      spec.stage_width.insert(spec.stage_width.begin(), rule);
      Candidate c = make_candidate(plan, fmt::format("{}-{}-w{:g}", best.id, stage_name(stage), w), spec);
      c.stage = rule.text() + "x";
      out.push_back(std::move(c));
    }
  }
  return out;
}

void apply_speed_budget(std::vector<Candidate>& all, const std::map<std::string, double>& speedups,
                        const SearchBudget& budget) {
  for (Candidate& c : all) {
    const auto found = speedups.find(c.id);
    if (found == speedups.end()) continue;
    c.cost.speedup = found->second;
    if (within(c) && budget.min_speedup > 0 && c.cost.speedup < budget.min_speedup) {
      c.over_budget = fmt::format("speedup {:.3g}x < {:g}x", c.cost.speedup, budget.min_speedup);
    }
  }
}

SweepRun candidate_run(const SearchPlan& plan, const Candidate& c, bool proxy, const std::string& folder) {
  SweepRun r;
  r.id = c.id;
  r.model = c.spec.name;
  r.width = c.spec.width;
  r.precision = {c.spec.weight_bits, c.spec.activation_bits};
  r.quantizer = c.spec.quantizer;
  r.seed = plan.base.seed;
  r.config = plan.base;
  r.config.model = c.spec;
  if (proxy) {
    r.config.limit_train = plan.proxy_images;
    r.config.epochs = plan.proxy_epochs;
    r.config.warmup_epochs = std::min(r.config.warmup_epochs, double(plan.proxy_epochs) / 2);
  }
  r.config.out = folder + (proxy ? "/proxy/" : "/full/") + c.id;
  return r;
}

std::vector<const Candidate*> ranked_by_proxy(const std::vector<Candidate>& all) {
  std::vector<const Candidate*> out;
  for (const Candidate& c : all) {
    if (within(c) && !std::isnan(c.proxy_acc)) out.push_back(&c);
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate* a, const Candidate* b) {
    if (a->proxy_acc != b->proxy_acc) return a->proxy_acc > b->proxy_acc;
    if (a->cost.bit_ops != b->cost.bit_ops) return a->cost.bit_ops < b->cost.bit_ops;
    return a->id < b->id;
  });
  return out;
}

std::vector<const Candidate*> pareto_front(const std::vector<Candidate>& all, bool proxy) {
  const auto acc = [proxy](const Candidate* c) { return proxy ? c->proxy_acc : c->full_acc; };
  std::vector<const Candidate*> pts;
  for (const Candidate& c : all) {
    if (within(c) && !std::isnan(acc(&c))) pts.push_back(&c);
  }
  std::stable_sort(pts.begin(), pts.end(), [&](const Candidate* a, const Candidate* b) {
    if (a->cost.bit_ops != b->cost.bit_ops) return a->cost.bit_ops < b->cost.bit_ops;
    return acc(a) > acc(b);
  });
  std::vector<const Candidate*> front;
  double best = -1;
  for (const Candidate* c : pts) {
    if (acc(c) > best) {
      front.push_back(c);
      best = acc(c);
    }
  }
  return front;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return kNotRun;
  const auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return v[x] < v[y]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size();) {
      size_t j = i;
      while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
      for (size_t k = i; k <= j; ++k) r[order[k]] = (double(i) + double(j)) / 2 + 1;  // ties: the average rank
      i = j + 1;
    }
    return r;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = double(a.size()), mean = (n + 1) / 2;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : kNotRun;
}

void conclude(SearchResult& r) {
  r.chosen = r.best_uniform = nullptr;
  std::vector<double> proxy, full;
  const auto better = [](const Candidate* now, const Candidate& c) {
    return !now || c.full_acc > now->full_acc || (c.full_acc == now->full_acc && c.cost.bit_ops < now->cost.bit_ops);
  };
  for (const Candidate& c : r.candidates) {
    if (!within(c) || std::isnan(c.full_acc)) continue;
    if (better(r.chosen, c)) r.chosen = &c;
    if (c.stage.empty() && better(r.best_uniform, c)) r.best_uniform = &c;
    if (!std::isnan(c.proxy_acc)) {
      proxy.push_back(c.proxy_acc);
      full.push_back(c.full_acc);
    }
  }
  // Two points always correlate perfectly: a rank correlation needs three.
  r.proxy_full_spearman = proxy.size() >= 3 ? spearman(proxy, full) : kNotRun;
}

std::vector<std::string> write_search_files(const std::string& folder, const SearchPlan& plan,
                                            const SearchResult& r, const std::string& command) {
  nlohmann::json j;
  j["command"] = command;
  j["model"] = plan.base.model.name;
  j["budget"] = {{"bit_ops", plan.budget.bit_ops},
                 {"weight_bytes", plan.budget.weight_bytes},
                 {"training_bytes", plan.budget.training_bytes},
                 {"inference_bytes", plan.budget.inference_bytes},
                 {"energy", plan.budget.energy},
                 {"min_speedup", plan.budget.min_speedup}};
  j["proxy"] = {{"images", plan.proxy_images}, {"epochs", plan.proxy_epochs}, {"top", plan.top}};
  j["validation_fraction"] = plan.base.validation_fraction;
  nlohmann::json candidates = nlohmann::json::array();
  for (const Candidate& c : r.candidates) {
    candidates.push_back({{"id", c.id},
                          {"label", c.label()},
                          {"cost", cost_json(c.cost)},
                          {"within_budget", within(c)},
                          {"over_budget", c.over_budget},
                          {"proxy_acc", number(c.proxy_acc)},
                          {"full_acc", number(c.full_acc)},
                          {"full_test_acc", number(c.full_test_acc)}});
  }
  j["candidates"] = candidates;
  j["chosen"] = r.chosen ? nlohmann::json(r.chosen->id) : nlohmann::json();
  j["best_uniform"] = r.best_uniform ? nlohmann::json(r.best_uniform->id) : nlohmann::json();
  j["proxy_full_spearman"] = number(r.proxy_full_spearman);

  std::vector<std::string> paths;
  const auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = folder + "/" + name;
    train::write_file_atomically(path, text);
    paths.push_back(path);
  };
  write("search.json", j.dump(2) + "\n");
  write("search.md", markdown(plan, r, command));
  write("pareto.svg", pareto_svg(plan, r));
  if (r.chosen) {
    nlohmann::json config = train::to_json(candidate_run(plan, *r.chosen, /*proxy=*/false, folder).config);
    config.erase("out");  // `wrpn train --config chosen.json --out DIR`
    write("chosen.json", config.dump(2) + "\n");
  }
  return paths;
}

}  // namespace measure
}  // namespace wrpn
