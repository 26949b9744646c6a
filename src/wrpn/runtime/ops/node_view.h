// One node of a model as its op definition sees it: the input values, attributes and tensors,
// read with the range and type checks of docs/FORMAT.md and errors that name the node
// ("node 5 (conv2d): kernel_h = 0 (attribute 1) outside 1..64").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

// "float/32 (4, 6, 6)" and "codes/2 (4, 3, 3, 4)": how errors show a value or a tensor.
std::string describe(const ValueInfo& v);
std::string describe(TensorType type, int bits, const std::vector<int>& dims);

namespace ops {

class NodeView {
 public:
  // `node` need not be in `model.nodes` yet (the exporter checks a node before adding it), but
  // its inputs and tensors must exist.
  NodeView(const ModelFile& model, const Node& node, size_t index);

  const Node& node() const { return n_; }
  [[noreturn]] void fail(const std::string& what) const;
  void require(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }

  const ValueInfo& input(size_t k) const { return m_.values[n_.inputs[k]]; }
  const ValueInfo& output() const { return m_.values[n_.output]; }

  // Attribute k, required to lie in lo..hi.
  int attr(size_t k, const char* name, int lo, int hi) const;
  int32_t raw_attr(size_t k) const { return n_.attrs[k]; }

  // Tensor k, required to have this type, bits and shape (its content was checked with the
  // tensor table).
  const TensorInfo& tensor(size_t k, const char* name, TensorType type, int bits, const std::vector<int>& dims) const;
  const TensorInfo& raw_tensor(size_t k) const { return m_.tensors[n_.tensors[k]]; }
  std::vector<float> floats(size_t k) const;  // a float32 tensor's elements

 private:
  const ModelFile& m_;
  const Node& n_;
  size_t index_;
};

}  // namespace ops
}  // namespace wrpn::runtime
