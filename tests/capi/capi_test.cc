// The C API (include/wrpn/wrpn.h) against the C++ runtime it wraps: the same logits bit for
// bit, every error path a status with a message naming the problem, and one model shared by
// threads that each run their own context.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tiny_model.h"
#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/runtime.h"
#include "wrpn/wrpn.h"

namespace {

const std::string kFixture = std::string(WRPN_SOURCE_DIR) + "/tests/runtime/fixtures/lenet5_w1.5_2bit_v1.0.wrpn";

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> pixels(int n) {
  std::vector<uint8_t> px(size_t(n) * 28 * 28);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t((i * 7 + (i / 28) * 13) % 256);
  return px;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CApi, OpensAFileAndReportsShapeClassesBitsAndInfo) {
  wrpn_model* m = nullptr;
  ASSERT_EQ(wrpn_model_open(kFixture.c_str(), &m), WRPN_OK) << wrpn_last_error();
  int c = 0, h = 0, w = 0, classes = 0, wb = 0, ab = 0;
  EXPECT_EQ(wrpn_model_input_shape(m, &c, &h, &w), WRPN_OK);
  EXPECT_EQ(c * 10000 + h * 100 + w, 12828);
  EXPECT_EQ(wrpn_model_classes(m, &classes), WRPN_OK);
  EXPECT_EQ(classes, 10);
  EXPECT_EQ(wrpn_model_bits(m, &wb, &ab), WRPN_OK);
  EXPECT_EQ(wb, 2);  // the fixture: LeNet-5 1.5x at 2/2 (first and last layers float)
  EXPECT_EQ(ab, 2);
  EXPECT_STREQ(wrpn_model_info(m), "{}");  // the fixture was exported with an empty info object
  EXPECT_STREQ(wrpn_version(), "1.1.0");
  wrpn_model_free(m);
}

TEST(CApi, LogitsEqualTheRuntimesBitForBitFromFileAndMemory) {
  const wrpn::runtime::ModelFile file = wrpn::runtime::read_model_file(kFixture);
  wrpn::runtime::Runtime rt(file);
  const std::vector<uint8_t> px = pixels(9);
  std::vector<float> want(90), got(90, -1.0f), from_floats(90, -1.0f);
  rt.run_pixels(px.data(), 9, want.data(), 1);

  const std::vector<uint8_t> bytes = file_bytes(kFixture);
  wrpn_model* m = nullptr;
  ASSERT_EQ(wrpn_model_open_memory(bytes.data(), bytes.size(), &m), WRPN_OK) << wrpn_last_error();
  wrpn_context* ctx = nullptr;
  ASSERT_EQ(wrpn_context_create(m, &ctx), WRPN_OK);
  ASSERT_EQ(wrpn_run_pixels(ctx, px.data(), 9, 1, 28, 28, got.data(), got.size()), WRPN_OK) << wrpn_last_error();
  EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.size() * sizeof(float)));

  // Floats normalised as the file says give the same logits as its pixels.
  std::vector<float> x(px.size());
  for (size_t i = 0; i < px.size(); ++i) x[i] = float(px[i]) * file.input.scale[0] + file.input.shift[0];
  ASSERT_EQ(wrpn_context_set_threads(ctx, 2), WRPN_OK);
  ASSERT_EQ(wrpn_run_floats(ctx, x.data(), 9, 1, 28, 28, from_floats.data(), from_floats.size()), WRPN_OK);
  std::vector<float> want_floats(90);
  rt.run(x.data(), 9, want_floats.data(), 2);
  EXPECT_EQ(0, std::memcmp(from_floats.data(), want_floats.data(), want_floats.size() * sizeof(float)));
  wrpn_context_free(ctx);
  wrpn_model_free(m);
}

TEST(CApi, BadFilesAreStatusesWithTheLoadersMessage) {
  wrpn_model* m = reinterpret_cast<wrpn_model*>(&m);  // overwritten with NULL on failure
  EXPECT_EQ(wrpn_model_open("/no/such/model.wrpn", &m), WRPN_ERROR_IO);
  EXPECT_EQ(m, nullptr);
  EXPECT_STREQ(wrpn_last_error(), "/no/such/model.wrpn: cannot open");

  std::vector<uint8_t> bytes = file_bytes(kFixture);
  EXPECT_EQ(wrpn_model_open_memory(bytes.data(), bytes.size() / 2, &m), WRPN_ERROR_INVALID_MODEL);
  EXPECT_TRUE(has(wrpn_last_error(), "model in memory: ")) << wrpn_last_error();
  const std::vector<uint8_t> garbage(4096, 0xAB);
  EXPECT_EQ(wrpn_model_open_memory(garbage.data(), garbage.size(), &m), WRPN_ERROR_INVALID_MODEL);
  EXPECT_TRUE(has(wrpn_last_error(), "wrong magic")) << wrpn_last_error();
  bytes[bytes.size() - 100] ^= 0x40;  // a payload byte: the checksum no longer matches
  EXPECT_EQ(wrpn_model_open_memory(bytes.data(), bytes.size(), &m), WRPN_ERROR_INVALID_MODEL);
  EXPECT_TRUE(has(wrpn_last_error(), "model in memory: checksum mismatch")) << wrpn_last_error();
  EXPECT_EQ(wrpn_model_open_memory(nullptr, 64, &m), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(wrpn_last_error(), "wrpn_model_open_memory: data is NULL");
  EXPECT_EQ(wrpn_model_open_memory(nullptr, 0, &m), WRPN_ERROR_INVALID_MODEL);  // no bytes: not a model
  EXPECT_EQ(m, nullptr);
  EXPECT_STREQ(wrpn_status_name(WRPN_ERROR_INVALID_MODEL), "invalid model");
}

TEST(CApi, WrongShapesSmallBuffersAndNullsAreNamed) {
  wrpn_model* m = nullptr;
  ASSERT_EQ(wrpn_model_open(kFixture.c_str(), &m), WRPN_OK);
  wrpn_context* ctx = nullptr;
  ASSERT_EQ(wrpn_context_create(m, &ctx), WRPN_OK);
  const std::vector<uint8_t> px = pixels(2);
  std::vector<float> logits(20);
  EXPECT_EQ(wrpn_run_pixels(ctx, px.data(), 2, 3, 28, 28, logits.data(), 20), WRPN_ERROR_SHAPE);
  EXPECT_STREQ(wrpn_last_error(), "wrpn_run_pixels: input 3x28x28 is not the model's 1x28x28");
  EXPECT_EQ(wrpn_run_pixels(ctx, px.data(), 2, 1, 28, 28, logits.data(), 19), WRPN_ERROR_SHAPE);
  EXPECT_STREQ(wrpn_last_error(), "wrpn_run_pixels: logits holds 19 floats, the batch needs 20");
  EXPECT_EQ(wrpn_run_pixels(ctx, px.data(), 0, 1, 28, 28, logits.data(), 20), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(wrpn_last_error(), "wrpn_run_pixels: batch must be >= 1, got 0");
  EXPECT_EQ(wrpn_run_floats(ctx, nullptr, 2, 1, 28, 28, logits.data(), 20), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(wrpn_last_error(), "wrpn_run_floats: images is NULL");
  EXPECT_EQ(wrpn_run_floats(nullptr, nullptr, 2, 1, 28, 28, logits.data(), 20), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(wrpn_last_error(), "wrpn_run_floats: context is NULL");
  EXPECT_EQ(wrpn_context_set_threads(ctx, -1), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(wrpn_model_classes(nullptr, nullptr), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(wrpn_model_open(nullptr, &m), WRPN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(wrpn_model_info(nullptr), nullptr);
  wrpn_context_free(ctx);
  wrpn_model_free(nullptr);  // ignored
  wrpn_context_free(nullptr);
  ASSERT_EQ(wrpn_model_open(kFixture.c_str(), &m), WRPN_OK);
  wrpn_model_free(m);
}

// One model, four threads, each with its own context, each running a different batch many
// times: every result equals the single-threaded one.
TEST(CApi, ThreadsShareOneModelWithAContextEach) {
  const wrpn::runtime::ModelFile tiny = wrpn::runtime::testing::tiny_model(5);
  const std::vector<uint8_t> bytes = wrpn::runtime::write_model(tiny);
  wrpn_model* m = nullptr;
  ASSERT_EQ(wrpn_model_open_memory(bytes.data(), bytes.size(), &m), WRPN_OK) << wrpn_last_error();
  const int per = 2 * 6 * 6, batch = 5;
  int classes = 0;
  ASSERT_EQ(wrpn_model_classes(m, &classes), WRPN_OK);
  std::vector<std::vector<uint8_t>> inputs(4);
  std::vector<std::vector<float>> want(4);
  wrpn::runtime::Runtime rt(tiny);
  for (int t = 0; t < 4; ++t) {
    inputs[size_t(t)].resize(size_t(batch) * per);
    for (size_t i = 0; i < inputs[size_t(t)].size(); ++i)
      inputs[size_t(t)][i] = uint8_t((i * 31 + size_t(t) * 97) % 256);
    want[size_t(t)].resize(size_t(batch * classes));
    rt.run_pixels(inputs[size_t(t)].data(), batch, want[size_t(t)].data(), 1);
  }
  std::vector<int> mismatches(4, 0), failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      wrpn_context* ctx = nullptr;
      if (wrpn_context_create(m, &ctx) != WRPN_OK) {
        ++failures[size_t(t)];
        return;
      }
      std::vector<float> got(size_t(batch * classes));
      for (int round = 0; round < 50; ++round) {
        if (wrpn_run_pixels(ctx, inputs[size_t(t)].data(), batch, 2, 6, 6, got.data(), got.size()) != WRPN_OK) {
          ++failures[size_t(t)];
        } else if (std::memcmp(got.data(), want[size_t(t)].data(), got.size() * sizeof(float)) != 0) {
          ++mismatches[size_t(t)];
        }
      }
      wrpn_context_free(ctx);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(failures[size_t(t)], 0) << "thread " << t;
    EXPECT_EQ(mismatches[size_t(t)], 0) << "thread " << t;
  }
  wrpn_model_free(m);
}

}  // namespace
