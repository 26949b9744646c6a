#include "wrpn/runtime/ops/registry.h"

#include <stdexcept>
#include <string>

#include "wrpn/runtime/ops/add.h"
#include "wrpn/runtime/ops/avg_pool.h"
#include "wrpn/runtime/ops/channel_affine.h"
#include "wrpn/runtime/ops/concat.h"
#include "wrpn/runtime/ops/conv2d.h"
#include "wrpn/runtime/ops/flatten.h"
#include "wrpn/runtime/ops/global_avg_pool.h"
#include "wrpn/runtime/ops/linear.h"
#include "wrpn/runtime/ops/max_pool.h"
#include "wrpn/runtime/ops/shortcut_a.h"
#include "wrpn/runtime/ops/softmax.h"

namespace wrpn::runtime {
namespace ops {
namespace {

// One line per op, in op-number order.
const OpDefinition* const kDefinitions[] = {
    &kConv2dDefinition,        &kLinearDefinition,    &kMaxPoolDefinition, &kGlobalAvgPoolDefinition,
    &kAddDefinition,           &kShortcutADefinition, &kFlattenDefinition, &kSoftmaxDefinition,
    &kChannelAffineDefinition, &kAvgPoolDefinition,   &kConcatDefinition,
};

std::string expects(size_t want, size_t has, const char* what) {
  return "expects " + std::to_string(want) + " " + what + ", has " + std::to_string(has);
}

}  // namespace

const OpDefinition* find_definition(Op op) {
  for (const OpDefinition* d : kDefinitions) {
    if (d->op == op) return d;
  }
  return nullptr;
}

ValueInfo check_node(const ModelFile& model, const Node& n, size_t index) {
  const NodeView node(model, n, index);
  const OpDefinition* d = find_definition(n.op);
  if (!d) node.fail("unknown op " + std::to_string(uint32_t(n.op)));
  node.require(model.version_minor >= d->since_minor,
               std::string("the op is new in format ") + std::to_string(kVersionMajor) + "." +
                   std::to_string(d->since_minor) + ", the file says " + std::to_string(kVersionMajor) + "." +
                   std::to_string(model.version_minor));
  // Exact counts: format 1.x has no optional or trailing attributes (docs/FORMAT.md, "Versions").
  const size_t most = d->max_inputs > 0 ? d->max_inputs : d->inputs;
  if (most == d->inputs) {
    node.require(n.inputs.size() == d->inputs, expects(d->inputs, n.inputs.size(), "inputs"));
  } else {
    node.require(n.inputs.size() >= d->inputs && n.inputs.size() <= most,
                 "expects " + std::to_string(d->inputs) + ".." + std::to_string(most) + " inputs, has " +
                     std::to_string(n.inputs.size()));
  }
  node.require(n.attrs.size() == d->attrs,
               expects(d->attrs, n.attrs.size(), "attributes") + " (format 1.x defines no others)");
  node.require(n.tensors.size() == d->tensors, expects(d->tensors, n.tensors.size(), "tensors"));
  ValueInfo out = d->check(node);
  if (out.kind == ValueKind::kFloat) out.range = 1.0f;  // a pool of codes makes floats
  return out;
}

std::unique_ptr<PreparedOp> prepare_node(const ModelFile& model, size_t index) {
  const NodeView node(model, model.nodes[index], index);
  try {
    return find_definition(node.node().op)->prepare(node);
  } catch (const std::exception& e) {  // a kernel's complaint, told against the node it came from
    node.fail(e.what());
  }
}

}  // namespace ops

const char* op_name(Op op) {
  const ops::OpDefinition* d = ops::find_definition(op);
  return d ? d->name : "unknown";
}

}  // namespace wrpn::runtime
