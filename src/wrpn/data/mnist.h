// MNIST-family datasets (Fashion-MNIST, MNIST) from their four IDX files, raw or gzip.
#pragma once

#include <memory>
#include <string>

#include "wrpn/data/dataset.h"

namespace wrpn {
namespace data {

/// Where Debian's dataset-fashion-mnist package installs the files.
constexpr const char* kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";

enum class Split { Train, Test };

/// Loads `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]` from `dir`. `variant` selects the
/// normalisation statistics: "fashion-mnist" or "mnist". Throws std::runtime_error naming the
/// file on any malformed input (see idx.h), mismatched counts or a label outside 0..9.
std::shared_ptr<InMemoryDataset> load_mnist(const std::string& dir, Split split,
                                            const std::string& variant = "fashion-mnist");

}  // namespace data
}  // namespace wrpn
