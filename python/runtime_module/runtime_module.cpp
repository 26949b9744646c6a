// wrpn._runtime: a .wrpn model on the packed low-bit runtime for Python (wrpn.Model), with no
// LibTorch: numpy arrays in, numpy logits out.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wrpn/runtime/model_stats.h"
#include "wrpn/runtime/ops/registry.h"
#include "wrpn/runtime/runtime.h"

namespace py = pybind11;
using wrpn::runtime::Runtime;

namespace {

class Model {
 public:
  explicit Model(const std::string& path) : path_(path), rt_(Runtime::load(path)) {}

  // (N, C, H, W) or one (C, H, W) image: float32 normalised as in training, or uint8 pixels.
  py::array_t<float> predict(const py::array& images, int threads) {
    const auto& in = rt_.model().input;
    const bool one = images.ndim() == 3;
    if (!(images.ndim() == 4 || one)) {
      throw std::invalid_argument("predict: images must be (N, C, H, W) or (C, H, W), got " +
                                  std::to_string(images.ndim()) + " dimensions");
    }
    const ssize_t n = one ? 1 : images.shape(0), off = one ? 0 : 1;
    if (images.shape(off) != in.channels || images.shape(off + 1) != in.height || images.shape(off + 2) != in.width) {
      throw std::invalid_argument("predict: images are " + shape(images) + ", the model takes (N, " +
                                  std::to_string(in.channels) + ", " + std::to_string(in.height) + ", " +
                                  std::to_string(in.width) + ")");
    }
    if (n < 1) throw std::invalid_argument("predict: no images");
    const int classes = rt_.classes();
    py::array_t<float> logits(one ? std::vector<ssize_t>{classes} : std::vector<ssize_t>{n, classes});
    float* out = logits.mutable_data();
    if (py::isinstance<py::array_t<uint8_t>>(images) && images.dtype().is(py::dtype::of<uint8_t>())) {
      const auto px = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(images);
      py::gil_scoped_release no_gil;
      rt_.run_pixels(px.data(), int(n), out, threads);
    } else {
      const auto x = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(images);
      if (!x) throw std::invalid_argument("predict: images must be numeric (float32 or uint8)");
      py::gil_scoped_release no_gil;
      rt_.run(x.data(), int(n), out, threads);
    }
    return logits;
  }

  py::dict info() const {
    const auto& m = rt_.model();
    py::dict d;
    d["path"] = path_;
    d["input_shape"] = py::make_tuple(m.input.channels, m.input.height, m.input.width);
    d["classes"] = rt_.classes();
    d["format_version"] = "1." + std::to_string(m.version_minor);
    int wbits = 32, abits = 32;
    for (const auto& node : m.nodes) {
      if (wrpn::runtime::ops::find_definition(node.op)->weighted)
        wbits = std::min(wbits, m.tensors[node.tensors[0]].bits);
    }
    for (const auto& v : m.values) {
      if (v.kind == wrpn::runtime::ValueKind::kCodes) abits = std::min(abits, v.bits);
    }
    d["weight_bits"] = wbits;
    d["activation_bits"] = abits;
    d["nodes"] = m.nodes.size();
    d["info"] = m.info;  // the exporter's JSON text
    return d;
  }

  // Images/s of predict on `batch` generated pixel images, best of a few timed seconds.
  double benchmark(int batch, int threads, double seconds) {
    if (batch < 1) throw std::invalid_argument("benchmark: batch must be >= 1, got " + std::to_string(batch));
    const auto& in = rt_.model().input;
    std::vector<uint8_t> px(size_t(batch) * in.channels * in.height * in.width);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t((i * 131) % 256);
    std::vector<float> logits(size_t(batch) * rt_.classes());
    py::gil_scoped_release no_gil;
    rt_.run_pixels(px.data(), batch, logits.data(), threads);  // warm-up
    int64_t calls = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < seconds || calls < 2) {
      rt_.run_pixels(px.data(), batch, logits.data(), threads);
      ++calls;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return double(calls) * batch / elapsed;
  }

 private:
  static std::string shape(const py::array& a) {
    std::string s = "(";
    for (ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + ")";
  }
  std::string path_;
  Runtime rt_;
};

}  // namespace

PYBIND11_MODULE(_runtime, m) {
  m.doc() = "a .wrpn model on wrpn's packed low-bit runtime (use wrpn.Model)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::runtime_error& e) {  // the loader's checks: a bad or missing file
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  py::class_<Model>(m, "Model")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def("predict", &Model::predict, py::arg("images"), py::arg("threads") = 1,
           "logits (N, classes) of float32 normalised images or uint8 pixels, NCHW")
      .def("info", &Model::info)
      .def("benchmark", &Model::benchmark, py::arg("batch") = 64, py::arg("threads") = 1, py::arg("seconds") = 1.0,
           "images/s of predict at this batch");
}
