// wrpn._train: the C++ trainer, evaluation and cost model for Python (python/wrpn/training.py
// wraps it). Configs cross the boundary as the JSON `wrpn train --config` reads, results as
// JSON text, so Python sees exactly the keys, defaults and messages the command line does.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "wrpn/measure/cost.h"
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
  return {{"epoch", m.epoch},         {"train_loss", m.train_loss},     {"train_acc", m.train_acc},
          {"test", eval_json(m.test)}, {"images_per_s", m.images_per_s}, {"lr", m.lr},
          {"seconds", m.seconds},     {"peak_step_bytes", m.peak_step_bytes}};
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
std::string cost(const std::string& config_json, int64_t batch, int64_t channels, int64_t size, int64_t classes) {
  TrainConfig config = config_from(config_json, "wrpn.cost config");
  wrpn::models::use_native_input(config.model);
  if (channels > 0) config.model.in_channels = channels;
  if (size > 0) config.model.input_size = size;
  if (classes > 0) config.model.classes = classes;
  return wrpn::measure::to_json(wrpn::measure::estimate_cost(config.model, batch)).dump();
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
  m.def("cost", &cost, py::arg("config_json"), py::arg("batch"), py::arg("channels"), py::arg("size"),
        py::arg("classes"));
}
