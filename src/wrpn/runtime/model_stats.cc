#include "wrpn/runtime/model_stats.h"

#include "wrpn/runtime/ops/registry.h"

namespace wrpn::runtime {

SizeBreakdown size_breakdown(const ModelFile& model) {
  SizeBreakdown s;
  s.file_bytes = write_model(model).size();
  std::vector<bool> is_weight(model.tensors.size(), false);
  for (const Node& n : model.nodes) {
    const ops::OpDefinition* d = ops::find_definition(n.op);
    if (d && d->weighted && !n.tensors.empty()) is_weight[n.tensors[0]] = true;
  }
  size_t payload = 0;
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    const TensorInfo& t = model.tensors[i];
    payload += t.data.size();
    if (t.type == TensorType::kSignedCodes) {
      s.packed_weight_bytes += t.data.size();
      s.packed_weight_elements += t.elements();
      s.packed_bytes_by_bits[t.bits] += t.data.size();
      s.elements_by_bits[t.bits] += t.elements();
    } else if (is_weight[i]) {
      s.float_weight_bytes += t.data.size();
    } else {
      s.scale_bias_bytes += t.data.size();
    }
  }
  s.overhead_bytes = s.file_bytes - payload;
  return s;
}

}  // namespace wrpn::runtime
