// wrpn._train: the C++ trainer, evaluation and cost model for Python (python/wrpn/training.py
// wraps it). Configs cross the boundary as the JSON `wrpn train --config` reads, results as
// JSON text, so Python sees exactly the keys, defaults and messages the command line does.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "wrpn/export/export_description.h"
#include "wrpn/export/export_model.h"
#include "wrpn/measure/cost.h"
#include "wrpn/measure/energy.h"
#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/model_stats.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/evaluate_checkpoint.h"
#include "wrpn/train/trainer.h"

namespace py = pybind11;

namespace {

using wrpn::train::TrainConfig;

TrainConfig config_from(const std::string& config_json, const std::string& source) {
  TrainConfig config;
  wrpn::train::apply_json(config, nlohmann::json::parse(config_json), source);
  return config;
}

nlohmann::json eval_json(const wrpn::train::EvalResult& r) {
  return {{"loss", r.loss}, {"top1", r.top1}, {"top5", r.top5}, {"samples", r.samples}};
}

nlohmann::json epoch_json(const wrpn::train::EpochMetrics& m) {
  return {{"epoch", m.epoch},          {"train_loss", m.train_loss},          {"train_acc", m.train_acc},
          {"test", eval_json(m.test)}, {"images_per_s", m.images_per_s},      {"lr", m.lr},
          {"seconds", m.seconds},      {"peak_step_bytes", m.peak_step_bytes}};
}

// Trains with the GIL released; `on_epoch` (a Python callable taking the epoch's JSON, or
// None) runs with it held after each epoch's checkpoint and may return False to stop.
std::string train(const std::string& config_json, bool resume, py::object on_epoch, bool verbose) {
  TrainConfig config = config_from(config_json, "wrpn.train config");
  wrpn::train::TrainHooks hooks;
  hooks.verbose = verbose;
  hooks.progress = false;
  if (!on_epoch.is_none()) {
    hooks.after_epoch = [&on_epoch](const wrpn::train::EpochMetrics& m) {
      py::gil_scoped_acquire gil;
      const py::object keep_going = on_epoch(epoch_json(m).dump());
      return keep_going.is_none() || keep_going.cast<bool>();
    };
  }
  wrpn::train::TrainResult result;
  {
    py::gil_scoped_release no_gil;
    result = wrpn::train::run_training(config, resume, hooks);
  }
  return nlohmann::json{{"epochs_run", result.epochs_run}, {"last", epoch_json(result.last)}}.dump();
}

std::string evaluate(const std::string& checkpoint, const std::string& data, int64_t limit, int64_t batch_size) {
  wrpn::train::CheckpointEval e;
  {
    py::gil_scoped_release no_gil;
    e = wrpn::train::evaluate_checkpoint(checkpoint, {data, limit, batch_size});
  }
  nlohmann::json j = eval_json(e.result);
  j["model"] = e.model;
  j["epochs_done"] = e.epochs_done;
  return j.dump();
}

// As `wrpn cost`: the model's native input unless channels, size or classes (> 0) say otherwise.
std::string cost(const std::string& config_json, int64_t batch, int64_t channels, int64_t size, int64_t classes,
                 const std::string& energy_table) {
  TrainConfig config = config_from(config_json, "wrpn.cost config");
  wrpn::models::use_native_input(config.model);
  if (channels > 0) config.model.in_channels = channels;
  if (size > 0) config.model.input_size = size;
  if (classes > 0) config.model.classes = classes;
  const auto report = wrpn::measure::estimate_cost(config.model, batch);
  const auto table =
      energy_table.empty() ? wrpn::measure::EnergyTable() : wrpn::measure::load_energy_table(energy_table);
  nlohmann::json j = wrpn::measure::to_json(report);
  j["energy"] = wrpn::measure::to_json(wrpn::measure::estimate_energy(report, table));
  return j.dump();
}

// wrpn.torch.export's C++ half: the traced network's ops (export_description.h) and their
// tensors (float32 numpy arrays) -> a .wrpn file at `path`. Returns {"bytes", "version"}.
std::string export_graph(const std::string& ops_json,
                         const std::vector<py::array_t<float, py::array::c_style | py::array::forcecast>>& arrays,
                         int64_t channels, int64_t size, const std::vector<float>& mean, const std::vector<float>& std,
                         const std::string& info, const std::string& path) {
  std::vector<torch::Tensor> tensors;
  for (const auto& a : arrays) {
    std::vector<int64_t> shape(a.shape(), a.shape() + a.ndim());
    tensors.push_back(torch::from_blob(const_cast<float*>(a.data()), shape, torch::kFloat).clone());
  }
  wrpn::models::ModelSpec spec;
  spec.in_channels = channels;
  spec.input_size = size;
  const wrpn::runtime::InputSpec input =
      wrpn::exporter::input_spec_of(nlohmann::json{{"mean", mean}, {"std", std}}, spec);
  py::gil_scoped_release no_gil;
  const wrpn::runtime::ModelFile file =
      wrpn::exporter::export_description(nlohmann::json::parse(ops_json), tensors, input, info);
  const std::vector<uint8_t> bytes = wrpn::runtime::write_model(file);
  wrpn::runtime::write_model_file(file, path);
  return nlohmann::json{{"bytes", bytes.size()}, {"version", "1." + std::to_string(file.version_minor)}}.dump();
}

}  // namespace

PYBIND11_MODULE(_train, m) {
  m.doc() = "wrpn's C++ trainer, evaluation and cost model (use wrpn.train, wrpn.evaluate, wrpn.cost)";
  // C++ errors reach Python as ValueError with the trainer's own message.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("train", &train, py::arg("config_json"), py::arg("resume"), py::arg("on_epoch"), py::arg("verbose"));
  m.def("evaluate", &evaluate, py::arg("checkpoint"), py::arg("data"), py::arg("limit"), py::arg("batch_size"));
  m.def("export_graph", &export_graph, py::arg("ops_json"), py::arg("tensors"), py::arg("channels"), py::arg("size"),
        py::arg("mean"), py::arg("std"), py::arg("info"), py::arg("path"));
  m.def("cost", &cost, py::arg("config_json"), py::arg("batch"), py::arg("channels"), py::arg("size"),
        py::arg("classes"), py::arg("energy_table"));
}
