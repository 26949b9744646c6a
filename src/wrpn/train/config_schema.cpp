#include "wrpn/train/config_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "wrpn/models/network_json.h"
#include "wrpn/nn/weight_param.h"
#include "wrpn/quant/scheme.h"

namespace wrpn {
namespace train {
namespace {

using G = FlagGroup;
using models::ModelSpec;

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

template <typename T>
std::string shown(const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    return fmt::format("'{}'", value);
  else
    return fmt::format("{}", value);
}

/// "a, b or c"; `marked` gets " (default)".
std::string choices(const std::vector<std::string>& values, const std::string& marked = "") {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) s += i + 1 == values.size() ? " or " : ", ";
    s += values[i] + (values[i] == marked ? " (default)" : "");
  }
  return s;
}

ConfigField field(std::string key, std::string flag, std::string help, G group, FieldStorage storage) {
  ConfigField f;
  f.key = std::move(key);
  f.flag = std::move(flag);
  f.help = std::move(help);
  f.group = f.flag.empty() ? G::None : group;
  f.storage = std::move(storage);
  return f;
}

/// One row of the table. A rule's message reads "<name> <rule>, got <value>": the messages
/// tests and users rely on, e.g. "lr must be a positive number, got -1".
template <typename T>
class Row {
 public:
  Row(G group, std::string key, std::string flag, Member<T> member, std::string help)
      : field_(field(key, std::move(flag), std::move(help), group, member)), name_(key), m_(member) {
    for (char& ch : name_) ch = ch == '_' ? ' ' : ch;
  }
  /// The field's name in messages when it is not the key with spaces.
  Row& named(std::string name) {
    name_ = std::move(name);
    return *this;
  }
  Row& must(std::string rule, std::function<bool(const T&)> ok) {
    field_.check = [m = m_, name = name_, rule = std::move(rule), ok = std::move(ok)](const TrainConfig& c) {
      require(ok(m.of(c)), fmt::format("{} {}, got {}", name, rule, shown(m.of(c))));
    };
    return *this;
  }
  Row& at_least(T lo) {
    return must(fmt::format("must be >= {}", lo), [lo](const T& v) { return v >= lo && finite(v); });
  }
  Row& within(T lo, T hi) {
    return must(fmt::format("must be in {}..{}", lo, hi), [lo, hi](const T& v) { return v >= lo && v <= hi; });
  }
  /// Also writes the choices, the default marked, where the help says {choices}.
  Row& one_of(std::vector<std::string> allowed) {
    std::string& help = field_.help;
    const std::string token = "{choices}";
    const size_t at = help.find(token);
    const TrainConfig defaults;
    if (at != std::string::npos) help.replace(at, token.size(), choices(allowed, m_.of(defaults)));
    return must("must be " + choices(allowed), [allowed](const std::string& v) {
      return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
    });
  }
  /// A check that needs other fields too.
  Row& checked_by(std::function<void(const TrainConfig&)> check) {
    field_.check = std::move(check);
    return *this;
  }
  Row& info(std::string old_key = "") {
    field_.info = true;
    field_.old_info_key = std::move(old_key);
    return *this;
  }
  Row& saved_before(nlohmann::json value) {
    field_.saved_before = std::move(value);
    return *this;
  }
  operator ConfigField() const { return field_; }

 private:
  static bool finite(const T& v) {
    if constexpr (std::is_floating_point_v<T>)
      return std::isfinite(v);
    else
      return true;
  }
  ConfigField field_;
  std::string name_;
  Member<T> m_;
};

template <typename T>
Row<T> row(G group, std::string key, std::string flag, T TrainConfig::*member, std::string help) {
  return Row<T>(group, std::move(key), std::move(flag), Member<T>{member, nullptr}, std::move(help));
}
template <typename T>
Row<T> row(G group, std::string key, std::string flag, T ModelSpec::*member, std::string help) {
  return Row<T>(group, std::move(key), std::move(flag), Member<T>{nullptr, member}, std::move(help));
}

ConfigField weight_param_field() {
  Converted c;
  c.write = [](const TrainConfig& t) { return nlohmann::json(nn::to_string(t.model.weight_param)); };
  c.read = [](TrainConfig& t, const nlohmann::json& v) {
    t.model.weight_param = nn::parse_weight_param(v.get<std::string>());
  };
  c.read_flag = [](TrainConfig& t, const std::string& s) { t.model.weight_param = nn::parse_weight_param(s); };
  return field("weight_param", "--weight-param",
               "weight parametrisation: unit (default) or torch (collapses at low bits)", G::Model, c);
}

ConfigField quantizer_field() {
  Converted c;
  c.write = [](const TrainConfig& t) { return nlohmann::json(quant::to_string(t.model.quantizer)); };
  c.read = [](TrainConfig& t, const nlohmann::json& v) { t.model.quantizer = quant::parse_scheme(v.get<std::string>()); };
  c.read_flag = [](TrainConfig& t, const std::string& s) { t.model.quantizer = quant::parse_scheme(s); };
  ConfigField f = field("quantizer", "--quantizer",
                        "wrpn (default), dorefa, pact or lsq (docs/TRAINING.md, \"Other quantizers\")", G::Model, c);
  f.info = true;
  return f;
}

// A list of rules (models/layer_bits.h, models/stage_width.h), written as their texts; the flag
// takes them comma-separated. An empty list is not written: configs stay as they were.
template <typename Rule>
ConfigField rules_field(const char* key, const char* flag, const char* help, std::vector<Rule> ModelSpec::*member,
                        Rule (*parse)(const std::string&)) {
  Converted c;
  c.write = [member](const TrainConfig& t) {
    if ((t.model.*member).empty()) return nlohmann::json();
    nlohmann::json rules = nlohmann::json::array();
    for (const Rule& r : t.model.*member) rules.push_back(r.text());
    return rules;
  };
  c.read = [member, parse](TrainConfig& t, const nlohmann::json& v) {
    (t.model.*member).clear();
    if (v.is_null()) return;
    for (const nlohmann::json& r : v.get<std::vector<nlohmann::json>>()) {
      (t.model.*member).push_back(parse(r.get<std::string>()));
    }
  };
  c.read_flag = [member, parse](TrainConfig& t, const std::string& s) {
    (t.model.*member).clear();
    size_t start = 0;
    while (start <= s.size()) {
      const size_t comma = std::min(s.find(',', start), s.size());
      (t.model.*member).push_back(parse(s.substr(start, comma - start)));
      start = comma + 1;
    }
  };
  ConfigField f = field(key, flag, help, G::Model, c);
  f.info = true;
  return f;
}

ConfigField layer_bits_field() {
  return rules_field("layer_bits", "--layer-bits",
                     "bits per layer over --wbits/--abits: PATTERN=W/A rules, comma-separated, first match wins, "
                     "e.g. 'stage1.*=8/8' ('-' keeps the model's bits; docs/TRAINING.md, \"Bits per layer\")",
                     &ModelSpec::layer_bits, &models::parse_layer_bits);
}

ConfigField stage_width_field() {
  return rules_field("stage_width", "--stage-width",
                     "width per stage over --width: PATTERN=WIDTH rules, comma-separated, first match wins, "
                     "e.g. 'stage3=3' (docs/TRAINING.md, \"Width per stage\")",
                     &ModelSpec::stage_width, &models::parse_stage_width);
}

// A JSON config may give the network inline or as a file name; the flag takes a file. The
// model's name becomes the network's unless the config names it.
ConfigField network_field() {
  Converted c;
  c.write = [](const TrainConfig& t) { return t.model.network; };
  c.read = [](TrainConfig& t, const nlohmann::json& v) {
    t.model.network = v.is_string() ? models::read_network_file(v.get<std::string>()) : v;
  };
  c.read_flag = [](TrainConfig& t, const std::string& path) {
    t.model.network = models::read_network_file(path);
    t.model.name = models::network_name(t.model.network);
  };
  ConfigField f =
      field("network", "--network",
            "a network of your own instead of --model: a JSON list of blocks (docs/MODELS.md, \"Your own network\")",
            G::Model, c);
  f.after_json = [](TrainConfig& t, const nlohmann::json& j, const std::string& source) {
    if (t.model.network.is_null()) return;
    try {
      models::check_description(t.model.network);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("{}: config key 'network': {}", source, e.what()));
    }
    if (!j.contains("model")) t.model.name = models::network_name(t.model.network);
  };
  return f;
}

std::vector<ConfigField> model_rows() {
  return {
      row(G::Model, "model", "--model", &ModelSpec::name, "registered model name (see `wrpn info --list`)").info(),
      row(G::Model, "width", "--width", &ModelSpec::width, "width multiplier of the hidden layers (e.g. 1, 1.5, 2, 3)")
          .info(),
      row(G::Model, "wbits", "--wbits", &ModelSpec::weight_bits, "weight bits of the hidden layers: 1..8 or 32")
          .info("weight_bits"),
      row(G::Model, "abits", "--abits", &ModelSpec::activation_bits, "activation bits: 1..8 or 32 (ReLU)")
          .info("activation_bits"),
      row(G::Model, "first_wbits", "--first-wbits", &ModelSpec::first_weight_bits,
          "weight bits of the first conv (default 32)")
          .info("first_weight_bits"),
      row(G::Model, "last_wbits", "--last-wbits", &ModelSpec::last_weight_bits,
          "weight bits of the classifier (default 32)")
          .info("last_weight_bits"),
      row(G::Model, "per_channel_alpha", "--per-channel-alpha", &ModelSpec::per_channel_alpha,
          "1-bit weights: one scale per output channel"),
      // Runs saved before the clip was placed (quant/activation_range.h) trained with the
      // literal recipe: rebuilt otherwise, the classifier's input scale would differ.
      row(G::Model, "act_clip_sigmas", "--act-clip-sigmas", &ModelSpec::act_clip_sigmas,
          "where the activation clip sits at init, in batch-norm standard deviations: 0 = the default for the bits "
          "(1.22 at 1 bit, 2.90 at 2-4, the error-optimal clip above), 1 = the paper's literal recipe")
          .saved_before(1.0),
      network_field(),
      weight_param_field(),
      quantizer_field(),
      layer_bits_field(),
      stage_width_field(),
      row(G::Model, "classes", "", &ModelSpec::classes, "").info(),
      row(G::Model, "in_channels", "", &ModelSpec::in_channels, ""),
      row(G::Model, "input_size", "", &ModelSpec::input_size, ""),
  };
}

std::vector<ConfigField> data_rows() {
  return {
      row(G::RunFolder, "out", "--out", &TrainConfig::out, "run folder (config.json, metrics.jsonl, checkpoint.pt)")
          .checked_by([](const TrainConfig& c) { require(!c.out.empty(), "output folder must not be empty"); }),
      row(G::Training, "data", "--data", &TrainConfig::data_dir, "dataset folder (default: Debian's Fashion-MNIST)")
          .info("data_dir"),
      row(G::Training, "dataset", "--dataset", &TrainConfig::dataset, "{choices} (DIR/train, DIR/val)")
          .one_of({"fashion-mnist", "mnist", "cifar10", "cifar100", "imagefolder"})
          .info(),
      row(G::Training, "checkpoint_every", "--checkpoint-every", &TrainConfig::checkpoint_every,
          "also checkpoint every N steps inside an epoch (0: at each epoch's end only)")
          .at_least(0),
      row(G::Training, "keep_checkpoints", "--keep-checkpoints", &TrainConfig::keep_checkpoints,
          "checkpoints kept: the newest is checkpoint.pt, above 1 also checkpoint-step<N>.pt")
          .at_least(1),
      row(G::Training, "workers", "--workers", &TrainConfig::workers,
          "data-loading worker threads (0: the training thread)")
          .within(0, 64),
      row(G::Training, "image_size", "--image-size", &TrainConfig::image_size,
          "imagefolder: training/evaluation crop size")
          .at_least(8),
      row(G::Training, "skip_corrupt", "--skip-corrupt", &TrainConfig::skip_corrupt,
          "imagefolder: skip unreadable images and count them (true) or stop (false, default)"),
  };
}

std::vector<ConfigField> optimisation_rows() {
  return {
      row(G::Training, "epochs", "--epochs", &TrainConfig::epochs, "training epochs").at_least(1),
      row(G::Training, "batch_size", "--batch-size", &TrainConfig::batch_size, "samples per step").at_least(1),
      row(G::Training, "optimizer", "--optimizer", &TrainConfig::optimizer, "{choices}")
          .one_of({"sgd", "adam", "adamw"}),
      row(G::Training, "lr", "--lr", &TrainConfig::lr, "peak learning rate")
          .must("must be a positive number", [](double v) { return v > 0 && std::isfinite(v); }),
      row(G::Training, "momentum", "--momentum", &TrainConfig::momentum, "SGD momentum")
          .must("must be in [0, 1)", [](double v) { return v >= 0 && v < 1; }),
      row(G::Training, "nesterov", "--nesterov", &TrainConfig::nesterov, "SGD Nesterov momentum (true/false)"),
      row(G::Training, "weight_decay", "--weight-decay", &TrainConfig::weight_decay,
          "weight decay of conv/linear weights")
          .at_least(0.0),
      row(G::Training, "schedule", "--schedule", &TrainConfig::schedule, "{choices}")
          .one_of({"cosine", "step", "constant"}),
      row(G::Training, "warmup_epochs", "--warmup-epochs", &TrainConfig::warmup_epochs,
          "linear warm-up epochs (may be fractional)")
          .checked_by([](const TrainConfig& c) {
            require(c.warmup_epochs >= 0 && c.warmup_epochs < double(c.epochs),
                    fmt::format("warmup epochs must be in [0, epochs={}), got {}", c.epochs, c.warmup_epochs));
          }),
      row(G::Training, "step_epochs", "--step-epochs", &TrainConfig::step_epochs,
          "step schedule: epochs between decays")
          .at_least(1),
      row(G::Training, "gamma", "--gamma", &TrainConfig::gamma, "step schedule: decay factor")
          .must("must be in (0, 1]", [](double v) { return v > 0 && v <= 1; }),
      row(G::Training, "seed", "--seed", &TrainConfig::seed, "random seed (initialisation, shuffling, augmentation)"),
      row(G::Training, "threads", "--threads", &TrainConfig::threads, "intra-op threads (0: all cores)").at_least(0),
      row(G::Training, "limit_train", "--limit-train", &TrainConfig::limit_train,
          "use only the first N training images")
          .named("limit-train")
          .at_least(0),
      row(G::Training, "limit_test", "--limit-test", &TrainConfig::limit_test, "use only the first N test images")
          .named("limit-test")
          .at_least(0),
      row(G::Training, "validation_fraction", "--validation-fraction", &TrainConfig::validation_fraction,
          "hold out this fraction of the training set's last images, evaluated each epoch as val_acc (0: none)")
          .must("must be in [0, 0.5]", [](double v) { return v >= 0 && v <= 0.5; }),
      row(G::Training, "crop_padding", "--crop-padding", &TrainConfig::crop_padding,
          "augmentation: random crop after padding by N pixels")
          .within(0, 16),
      row(G::Training, "flip", "--flip", &TrainConfig::flip, "augmentation: random horizontal flip (true/false)"),
  };
}

std::vector<ConfigField> engine_rows() {
  return {
      row(G::Training, "packed_saving", "--packed-saving", &TrainConfig::packed_saving,
          "keep saved activations as packed k-bit codes (true, default) or floats (false)"),
      row(G::Training, "int8_forward", "--int8-forward", &TrainConfig::int8_forward,
          "k-bit layers' forward as the exact int8 GEMM of their codes (true, default) or float"),
      row(G::Training, "backward_precision", "--backward-precision", &TrainConfig::backward_precision,
          "conv backward in {choices}")
          .one_of({"fp32", "bf16"}),
      row(G::Training, "recompute_conv_outputs", "--recompute-conv-outputs", &TrainConfig::recompute_conv_outputs,
          "with the int8 forward, batch norm recomputes its input in backward (default false)"),
      row(G::Training, "batch_norm", "--batch-norm", &TrainConfig::batch_norm,
          "training batch norm on {choices} kernels")
          .one_of({"wrpn", "libtorch"}),
  };
}

}  // namespace

const std::vector<ConfigField>& config_fields() {
  static const std::vector<ConfigField> fields = [] {
    std::vector<ConfigField> all;
    for (const auto& part : {model_rows(), data_rows(), optimisation_rows(), engine_rows()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }();
  return fields;
}

}  // namespace train
}  // namespace wrpn
