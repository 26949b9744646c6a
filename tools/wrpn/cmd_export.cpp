// wrpn export: a trained checkpoint -> a self-describing packed .wrpn file (docs/FORMAT.md).
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "command.h"
#include "deploy_common.h"
#include "wrpn/export/export_model.h"
#include "wrpn/runtime/model_stats.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace cli {
namespace {

struct ExportFlags {
  std::string checkpoint;
  std::string out;
  std::string data;
};

void print_report(const runtime::ModelFile& m, const runtime::SizeBreakdown& s, int64_t float_bytes,
                  int64_t checkpoint_bytes) {
  fmt::print("{:<4} {:<16} {:<22} {:>6} {:>10}\n", "node", "op", "output", "wbits", "bytes");
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const runtime::Node& n = m.nodes[i];
    const runtime::ValueInfo& v = m.values[n.output];
    size_t bytes = 0;
    for (uint32_t t : n.tensors) bytes += m.tensors[t].data.size();
    const std::string out = fmt::format("{}{} {}x{}x{}", v.kind == runtime::ValueKind::kCodes ? "u" : "f", v.bits,
                                        v.channels, v.height, v.width);
    const std::string wbits = n.tensors.empty() ? "" : std::to_string(m.tensors[n.tensors[0]].bits);
    fmt::print("{:<4} {:<16} {:<22} {:>6} {:>10}\n", i, runtime::op_name(n.op), out, wbits, bytes);
  }
  fmt::print("\nfile {} bytes = packed weights {} + float weights {} + scales/biases {} + header/tables/padding {}\n",
             s.file_bytes, s.packed_weight_bytes, s.float_weight_bytes, s.scale_bias_bytes, s.overhead_bytes);
  for (const auto& [bits, bytes] : s.packed_bytes_by_bits) {
    const size_t elements = s.elements_by_bits.at(bits);
    fmt::print("  {}-bit weights: {} values in {} bytes = {:.4f} of float32 (k/32 = {:.4f})\n", bits, elements, bytes,
               double(bytes) / (4.0 * double(elements)), bits / 32.0);
  }
  fmt::print("float32 parameters+buffers {} bytes, checkpoint file {} bytes: .wrpn is {:.3f}x / {:.3f}x of them\n",
             float_bytes, checkpoint_bytes, double(s.file_bytes) / double(float_bytes),
             double(s.file_bytes) / double(checkpoint_bytes));
}

}  // namespace

Command add_export_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("export", "Export a trained checkpoint to a packed low-bit .wrpn model");
  auto f = std::make_shared<ExportFlags>();
  app->add_option("--checkpoint", f->checkpoint, "checkpoint.pt written by `wrpn train`")->required();
  app->add_option("--out", f->out, "the .wrpn file to write")->required();
  app->add_option("--data", f->data, "dataset folder (default: the one the run trained on)");
  return {app, [f]() {
            TrainedModel t = load_trained(f->checkpoint);
            // The checkpoint keeps its input normalisation; older ones (or --data) take the
            // dataset's.
            runtime::InputSpec input;
            if (!t.input.is_null() && f->data.empty()) {
              input = exporter::input_spec_of(t.input, t.config.model);
            } else {
              if (!f->data.empty()) t.config.data_dir = f->data;
              input =
                  exporter::input_spec_for(*train::load_dataset(t.config, /*train=*/false), t.config.model.input_size);
            }
            const runtime::ModelFile m = export_trained(*t.model, t.config, input, f->checkpoint);
            runtime::write_model_file(m, f->out);
            fmt::print("exported {} (epoch {}) to {}\n\n", t.config.model.label(), t.epochs_done, f->out);
            print_report(m, runtime::size_breakdown(m), float_state_bytes(*t.model),
                         int64_t(std::filesystem::file_size(f->checkpoint)));
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
