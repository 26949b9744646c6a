// Op -> its definition. Each op lives in one file, ops/<op>.{h,cc}: the typed attribute struct
// with encode (struct -> the file's int32 attributes) and decode (attributes -> struct, with the
// range checks), the shape rule, the node check, and the prepared op the Runtime runs.
//
// To add an op: write ops/<op>.{h,cc} and its tests (attributes and shape in
// tests/runtime/ops_test.cc, arithmetic in format_semantics_test.cc), give it the next number in
// model_format.h's Op, and add its line to the table in registry.cc (and its include). To add a
// kernel tier: change the prepared op that picks it (conv2d and linear share ops/matmul.cc) and
// its test. graph_check.cc, model_reader.cc and runtime.cc loop over nodes and need no change;
// an exporter method that emits the op writes its attributes with the struct's encode.
#pragma once

#include <cstddef>
#include <memory>

#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

// Null for an op number this runtime does not know.
const OpDefinition* find_definition(Op op);

// Checks node `index` (counts, attributes, inputs, tensors) and returns the value it produces;
// throws std::runtime_error "node <index> (<op>): ...". `node` need not be in model.nodes yet.
ValueInfo check_node(const ModelFile& model, const Node& node, size_t index);

// The prepared form of node `index` of a model that passed validate_graph. A kernel's
// complaint is rethrown against the node.
std::unique_ptr<PreparedOp> prepare_node(const ModelFile& model, size_t index);

}  // namespace wrpn::runtime::ops
