// The energy model on a two-layer network computed by hand, the table's JSON override and its
// errors, and `wrpn cost` showing energy.
#include "wrpn/measure/energy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../cli/cli_util.h"

namespace wrpn {
namespace measure {
namespace {

using testing_util::error_of;

constexpr double kTol = 1e-6;  // picojoules; every hand figure below is exact to 0.1 pJ

LayerCost make_layer(const std::string& name, const std::string& kind, int wbits, int ibits, int obits, int64_t params,
                     int64_t in, int64_t out, int64_t macs, double weight_bytes) {
  LayerCost l;
  l.name = name;
  l.kind = kind;
  l.weight_bits = wbits;
  l.input_bits = ibits;
  l.output_bits = obits;
  l.params = params;
  l.input_elements = in;
  l.output_elements = out;
  l.macs = macs;
  l.weight_bytes = weight_bytes;
  return l;
}

// A conv 1->2, 3x3, padding 1 on a 1x4x4 image (18 weights, 288 MACs, 32 outputs), its batch
// norm (4 parameters) and a linear 32->10 with bias (330 parameters, 320 MACs), batch 2, with
// 4-bit weights on both and 4-bit activations; the image and the logits at 32 bits.
std::vector<LayerCost> four_bit_layers() {
  return {make_layer("conv", "conv", 4, 32, 4, 18, 16, 32, 288, 9),  // 18 x 4 bits = 9 bytes
          make_layer("bn", "batchnorm", 32, 32, 32, 4, 0, 0, 0, 16),
          make_layer("fc", "linear", 4, 4, 32, 330, 32, 10, 320, 200)};  // 320 x 4 bits + 10 x 32
}

std::vector<LayerCost> fp32_layers() {
  return {make_layer("conv", "conv", 32, 32, 32, 18, 16, 32, 288, 72),
          make_layer("bn", "batchnorm", 32, 32, 32, 4, 0, 0, 0, 16),
          make_layer("fc", "linear", 32, 32, 32, 330, 32, 10, 320, 1320)};
}

CostReport hand_report() {
  CostReport r;
  r.batch = 2;
  r.layers = four_bit_layers();
  r.baseline_layers = fp32_layers();
  return r;
}

void expect_layer(const LayerEnergy& e, double inf_compute, double inf_memory, double train_compute,
                  double train_memory) {
  EXPECT_NEAR(e.inference_compute_pj, inf_compute, kTol) << e.name;
  EXPECT_NEAR(e.inference_memory_pj, inf_memory, kTol) << e.name;
  EXPECT_NEAR(e.training_compute_pj, train_compute, kTol) << e.name;
  EXPECT_NEAR(e.training_memory_pj, train_memory, kTol) << e.name;
}

TEST(EnergyModel, MacAndBufferPrices) {
  const EnergyTable t;
  EXPECT_NEAR(mac_energy_pj(32, 32, t), 3.7 + 0.9, kTol);
  EXPECT_NEAR(mac_energy_pj(4, 32, t), 4.6, kTol);                 // any 32-bit operand: FP32
  EXPECT_NEAR(mac_energy_pj(8, 8, t), 0.2 + 0.1, kTol);            // Horowitz's 8-bit multiply
  EXPECT_NEAR(mac_energy_pj(4, 4, t), 0.2 * 16 / 64 + 0.1, kTol);  // 0.15
  EXPECT_NEAR(mac_energy_pj(2, 4, t), 0.2 * 8 / 64 + 0.1, kTol);   // 0.125
  EXPECT_NEAR(mac_energy_pj(1, 1, t), 0.2 * 1 / 64 + 0.1, kTol);   // 0.103125
  EXPECT_EQ(buffer_word_pj(8 * 1024, t), 10);
  EXPECT_EQ(buffer_word_pj(8 * 1024 + 1, t), 20);
  EXPECT_EQ(buffer_word_pj(32 * 1024, t), 20);
  EXPECT_EQ(buffer_word_pj(32 * 1024 + 1, t), 100);
  EXPECT_EQ(buffer_word_pj(1024 * 1024, t), 100);
  EXPECT_EQ(buffer_word_pj(1024 * 1024 + 1, t), 1300);
}

// Horowitz's table (FP32 MAC 3.7 + 0.9 = 4.6 pJ, 4x4-bit MAC 0.2 x 16/64 + 0.1 = 0.15 pJ,
// 8 KB SRAM 10 pJ, DRAM 1300 pJ per 64-bit word), batch B = 2.
TEST(EnergyModel, TwoLayerNetworkFourBitByHand) {
  const EnergyReport r = estimate_energy(hand_report(), EnergyTable());
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.batch, 2);
  // conv (first layer; the 32-bit image makes it an FP32 MAC):
  //  inference compute 288 x 4.6 = 1324.8
  //  weights ceil(9 x 8 / 64) = 2 words x 1300 = 2600 per batch, 1300 per image
  //  image 16 x 32 bits = 8 words from DRAM = 10400; output 32 x 4 bits = 2 words; on chip
  //  16 bytes -> 8 KB SRAM: 20. Inference memory 1300 + 10400 + 20 = 11720.
  //  training compute 2 x 288 x (4.6 + 2 x 4.6) = 7948.8 + SGD 18 x 3 x 4.6 = 248.4: 8197.2
  //  training memory: weights 2600 + 7 x ceil(18 x 32 / 64) = 9 words x 1300 = 81900, per
  //  image maps 10420 + saved image read back 8 x 1300 = 10400 + output gradient 32 x 32 bits
  //  = 16 words at 10 = 160 (no input gradient): 2 x 20980 = 41960. 84500 + 41960 = 126460.
  expect_layer(r.layers[0], 1324.8, 11720, 8197.2, 126460);
  // bn: weights 2 words: 1300 per image; training 2600 + 7 x 2 x 1300 = 20800, 4 x 3 x 4.6.
  expect_layer(r.layers[1], 0, 1300, 55.2, 20800);
  // fc (4/4): inference compute 320 x 0.15 = 48
  //  weights ceil(200 x 8 / 64) = 25 words x 1300 = 32500, 16250 per image
  //  input 32 x 4 bits = 2 words, logits 10 x 32 bits = 5 words, 56 bytes on chip: 7 x 10 = 70
  //  -> inference memory 16320.
  //  training compute 2 x 320 x (0.15 + 9.2) = 5984 + 330 x 3 x 4.6 = 4554: 10538
  //  training memory 32500 + 7 x 165 x 1300 = 1534000, per image 70 + saved 2 words written
  //  and read back 5200 + gradients (5 + 16 words, 168 bytes) x 10 = 210: 2 x 5480 = 10960.
  expect_layer(r.layers[2], 48, 16320, 10538, 1544960);
  expect_layer(r.total, 1372.8, 29340, 18790.4, 1692220);
  EXPECT_NEAR(r.total.inference_pj(), 30712.8, kTol);
  EXPECT_NEAR(r.total.training_pj(), 1711010.4, kTol);
}

TEST(EnergyModel, TwoLayerNetworkFp32BaselineByHand) {
  const EnergyReport r = estimate_energy(hand_report(), EnergyTable());
  // conv at 32/32: weights 72 bytes = 9 words = 11700 (5850 per image); image 10400; output
  //  32 x 32 bits = 16 words at 10 (128 bytes on chip) = 160: inference memory 16410.
  //  training memory 11700 + 81900 + 2 x (10560 + 10400 + 160) = 135840.
  // fc at 32/32: 320 x 4.6 = 1472; weights 1320 bytes = 165 words = 214500 (107250 per image);
  //  input 16 words + logits 5 words at 10 = 210: inference memory 107460.
  //  training compute 2 x 320 x 13.8 = 8832 + 4554 = 13386; training memory 214500 + 1501500
  //  + 2 x (210 + 16 x 2 x 1300 + 210) = 1800040.
  // Totals: inference compute 1324.8 + 1472 = 2796.8, memory 16410 + 1300 + 107460 = 125170;
  // training compute 8197.2 + 55.2 + 13386 = 21638.4, memory 135840 + 20800 + 1800040.
  expect_layer(r.baseline, 2796.8, 125170, 21638.4, 1956680);
  EXPECT_NEAR(r.baseline.inference_pj(), 127966.8, kTol);
  EXPECT_NEAR(r.baseline.training_pj(), 1978318.4, kTol);
  // The same layers as the report's own: the baseline is just the FP32 layers priced alike.
  CostReport fp32 = hand_report();
  fp32.layers = fp32_layers();
  expect_layer(estimate_energy(fp32, EnergyTable()).total, 2796.8, 125170, 21638.4, 1956680);
}

TEST(EnergyModel, BaselineOfARealModelIsItsOneTimesFp32) {
  models::ModelSpec wide;
  wide.width = 2;
  wide.weight_bits = wide.activation_bits = 4;
  const EnergyReport r = estimate_energy(estimate_cost(wide, 4), EnergyTable());
  const EnergyReport b = estimate_energy(estimate_cost(models::ModelSpec{}, 4), EnergyTable());
  EXPECT_NEAR(r.baseline.inference_pj(), b.total.inference_pj(), 1e-6 * b.total.inference_pj());
  EXPECT_NEAR(r.baseline.training_pj(), b.total.training_pj(), 1e-6 * b.total.training_pj());
  EXPECT_NEAR(b.baseline.training_pj(), b.total.training_pj(), 1e-6 * b.total.training_pj());
  EXPECT_GT(r.total.inference_pj(), 0);
}

std::string write_file(const testing_util::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.file(name);
  std::ofstream(path) << text;
  return path;
}

TEST(EnergyTable, JsonOverridesOnlyItsKeys) {
  testing_util::TempDir dir("energy-table");
  const EnergyTable t = load_energy_table(write_file(dir, "t.json", R"({"int8_mult": 0.4, "dram_access": 2000})"));
  EXPECT_EQ(t.int8_mult, 0.4);
  EXPECT_EQ(t.dram_access, 2000);
  EXPECT_EQ(t.fp32_mult, 3.7);
  EXPECT_EQ(t.sram_8kb_read, 10);
  // With int8_mult 0.4 the fc's 4x4 MAC costs 0.4 x 16/64 + 0.1 = 0.2 pJ: 320 x 0.2 = 64.
  EnergyTable mult = EnergyTable();
  mult.int8_mult = 0.4;
  const EnergyReport r = estimate_energy(hand_report(), mult);
  EXPECT_NEAR(r.layers[2].inference_compute_pj, 64, kTol);
  EXPECT_NEAR(r.layers[2].training_compute_pj, 2 * 320 * (0.2 + 9.2) + 4554, kTol);
  EXPECT_EQ(energy_table_json(t)["dram_access"], 2000);
  EXPECT_EQ(energy_table_json(t).size(), energy_entries().size());
}

TEST(EnergyTable, BadFilesKeysAndValuesAreNamed) {
  testing_util::TempDir dir("energy-table-bad");
  EXPECT_THROW(load_energy_table(dir.file("missing.json")), std::runtime_error);
  EXPECT_EQ(error_of([&] { load_energy_table(dir.file("missing.json")); }),
            "energy table " + dir.file("missing.json") + ": cannot open");
  for (const char* text : {"[1, 2]", "3"}) {
    const std::string p = write_file(dir, "not_object.json", text);
    EXPECT_EQ(error_of([&] { load_energy_table(p); }),
              "energy table " + p + ": not a JSON object of picojoules per operation")
        << text;
  }
  // Not JSON, or a number JSON cannot hold in a double: the parser's reason after the file.
  for (const auto& [text, reason] : {std::pair<const char*, const char*>{"{", "syntax error"},
                                     {R"({"fp32_add": 1e999})", "number overflow parsing '1e999'"}}) {
    const std::string p = write_file(dir, "not_json.json", text);
    const std::string error = error_of([&] { load_energy_table(p); });
    EXPECT_EQ(error.rfind("energy table " + p + ": not valid JSON ([json.exception.", 0), 0u) << error;
    EXPECT_NE(error.find(reason), std::string::npos) << error;
  }
  const std::string unknown = write_file(dir, "unknown.json", R"({"int8_add": 0.03, "dram": 1300})");
  EXPECT_THROW(load_energy_table(unknown), std::invalid_argument);
  EXPECT_EQ(error_of([&] { load_energy_table(unknown); }),
            "energy table " + unknown +
                ": unknown key 'dram' (known: int8_add, int32_add, fp16_add, fp32_add, int8_mult, int32_mult, "
                "fp16_mult, fp32_mult, sram_8kb_read, sram_32kb_read, sram_1mb_read, dram_access)");
  const std::pair<const char*, const char*> bad[] = {
      {R"({"fp32_add": 0})", "0"},
      {R"({"fp32_add": -1.5})", "-1.5"},
      {R"({"fp32_add": "0.9"})", "\"0.9\""},
      {R"({"fp32_add": null})", "null"},
  };
  for (const auto& [text, shown] : bad) {
    const std::string p = write_file(dir, "bad_value.json", text);
    EXPECT_EQ(error_of([&] { load_energy_table(p); }),
              "energy table " + p + ": 'fp32_add' must be a positive finite number of picojoules, got " + shown)
        << text;
  }
}

TEST(EnergyCli, CostShowsEnergyInEveryFormatAndNamesABadTable) {
  testing_util::TempDir dir("energy-cli");
  const CliResult text = run_cli("cost --model vgg_small --width 2 --wbits 4 --abits 4");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("inference uJ/image: total"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("training uJ/step: total"), std::string::npos) << text.out;
  const CliResult csv = run_cli("cost --model vgg_small --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",inference_compute_pj,inference_memory_pj,training_compute_pj,training_memory_pj\n"),
            std::string::npos)
      << csv.out;
  EXPECT_NE(csv.out.find("\nratio_to_1x_fp32,"), std::string::npos) << csv.out;
  // The 1x FP32 model is its own baseline: every ratio is 1.
  const CliResult json = run_cli("cost --model vgg_small --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_DOUBLE_EQ(j["energy"]["ratio"]["inference"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["energy"]["ratio"]["training"].get<double>(), 1.0);
  // An override reaches the figures: DRAM at 2600 instead of 1300.
  const std::string table = write_file(dir, "dram.json", R"({"dram_access": 2600})");
  const CliResult dear = run_cli("cost --model vgg_small --format json --energy-table " + table);
  ASSERT_EQ(dear.exit_code, 0) << dear.err;
  const auto d = nlohmann::json::parse(dear.out);
  EXPECT_EQ(d["energy"]["table_pj"]["dram_access"], 2600);
  EXPECT_GT(d["energy"]["total"]["inference_memory_pj"].get<double>(),
            j["energy"]["total"]["inference_memory_pj"].get<double>());
  const std::string bad = write_file(dir, "bad.json", R"({"dram_access": -1})");
  expect_one_clear_error("cost --model vgg_small --energy-table " + bad,
                         "energy table " + bad +
                             ": 'dram_access' must be a positive finite number of picojoules, "
                             "got -1");
}

}  // namespace
}  // namespace measure
}  // namespace wrpn
