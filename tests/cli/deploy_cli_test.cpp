// `wrpn export` and `wrpn infer` end to end: a trained run exported, classified with the
// LibTorch checkpoint as reference, per-image predictions, a single image file, bad files.
#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli_util.h"
#include "wrpn/data/mnist.h"
#include "wrpn/data/synthetic_cifar.h"

namespace wrpn {
namespace {

TEST(DeployCli, ExportInferAndSingleImage) {
  TempDir dir("deploy-cli");
  const std::string run = dir.file("run"), model = dir.file("m.wrpn");
  ASSERT_EQ(run_cli("train --model lenet5 --width 2 --wbits 4 --abits 4 --epochs 1 --limit-train 1280 "
                    "--limit-test 64 --batch-size 64 --threads 2 --out " +
                    run)
                .exit_code,
            0);
  const CliResult e = run_cli("export --checkpoint " + run + "/checkpoint.pt --out " + model);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("4-bit weights: 172800 values in 86400 bytes = 0.1250 of float32"), std::string::npos) << e.out;

  const std::string csv = dir.file("pred.csv");
  const CliResult i = run_cli("infer --model " + model + " --reference " + run +
                              "/checkpoint.pt --limit-test 1000 --predictions " + csv);
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(i.out.find("predictions differ on 0 of 1000 images"), std::string::npos) << i.out;
  const std::string rows = slurp(csv);
  EXPECT_EQ(rows.rfind("index,label,prediction,confidence_logit,libtorch_prediction\n0,", 0), 0u)
      << rows.substr(0, 200);

  // Test image 0 as a PGM file: the same pixels, so the same class as row 0 of the CSV.
  const auto test = data::load_mnist("/usr/share/datasets/fashion-mnist", data::Split::Test, "fashion-mnist");
  std::string pgm = "P5\n28 28\n255\n";
  std::vector<uint8_t> img(784);
  test->read_image(0, img.data());
  pgm.append(img.begin(), img.end());
  std::ofstream(dir.file("img.pgm"), std::ios::binary) << pgm;
  const CliResult one = run_cli("infer --model " + model + " --image " + dir.file("img.pgm"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  int index = -1, label = -1, predicted = -1;
  ASSERT_EQ(std::sscanf(rows.c_str() + rows.find("\n0,") + 1, "%d,%d,%d", &index, &label, &predicted), 3);
  ASSERT_TRUE(predicted >= 0 && predicted < 10);
  const char* names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  EXPECT_EQ(one.out.rfind(dir.file("img.pgm") + ": " + names[predicted] + "\n", 0), 0u) << one.out;
  // A directory, a FIFO or a symlink loop is named as what it is, not read (issue 17).
  const CliResult folder = run_cli("infer --model " + model + " --image " + dir.str());
  EXPECT_NE(folder.exit_code, 0);
  EXPECT_NE(folder.err.find("input file " + dir.str() + " is a directory, not a file"), std::string::npos)
      << folder.err;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  const CliResult fifo = run_cli("infer --model " + model + " --image " + dir.file("fifo"));
  EXPECT_NE(fifo.err.find("input file " + dir.file("fifo") + " is a FIFO, not a file"), std::string::npos) << fifo.err;
  std::filesystem::create_symlink(dir.file("loop"), dir.file("loop"));
  const CliResult loop = run_cli("infer --model " + model + " --image " + dir.file("loop"));
  EXPECT_NE(loop.err.find("input file " + dir.file("loop") + " is a symlink loop"), std::string::npos) << loop.err;
}

// The checkpoint keeps the run's input normalisation (issue 15): export needs no dataset, and
// gives the bytes an export from the dataset gives.
TEST(DeployCli, ExportNeedsNoDatasetAndMatchesTheDatasetsNormalisation) {
  TempDir dir("deploy-cli-no-data");
  data::write_synthetic_cifar10(dir.file("cifar"), 40, 40, 3);
  const std::string run = dir.file("run");
  ASSERT_EQ(run_cli("train --model resnet20 --width 0.5 --wbits 2 --abits 2 --epochs 1 --dataset cifar10 --data " +
                    dir.file("cifar") + " --batch-size 20 --threads 2 --out " + run)
                .exit_code,
            0);
  const std::string ckpt = run + "/checkpoint.pt";
  ASSERT_EQ(run_cli("export --checkpoint " + ckpt + " --data " + dir.file("cifar") + " --out " + dir.file("a.wrpn"))
                .exit_code,
            0);
  std::filesystem::remove_all(dir.file("cifar"));
  const CliResult e = run_cli("export --checkpoint " + ckpt + " --out " + dir.file("b.wrpn"));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(slurp(dir.file("a.wrpn")), slurp(dir.file("b.wrpn")));
}

TEST(DeployCli, BadModelFilesExitNonZeroNamingTheProblem) {
  TempDir dir("deploy-cli-bad");
  std::ofstream(dir.file("junk.wrpn")) << "definitely not a model";
  expect_one_clear_error("infer --model " + dir.file("junk.wrpn"), "junk.wrpn: not a .wrpn model: wrong magic");
  std::ofstream(dir.file("short.wrpn")) << "WRPNMODL";
  expect_one_clear_error("infer --model " + dir.file("short.wrpn"), "short.wrpn: truncated model file: 8 bytes");
  expect_one_clear_error("infer --model " + dir.file("missing.wrpn"), "model file " + dir.file("missing.wrpn") + " does not exist");
  // Any path flag: the model's too says what the path is (runtime/input_path.h).
  expect_one_clear_error("infer --model " + dir.str(), "model file " + dir.str() + " is a directory, not a file");
  expect_one_clear_error("infer --model /dev/null", "model file /dev/null is a device, not a file");
  expect_one_clear_error("export --checkpoint " + dir.file("none.pt") + " --out " + dir.file("x.wrpn"), "none.pt");
}

}  // namespace
}  // namespace wrpn
