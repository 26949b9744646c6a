// GoogleTest entry point: one intra-op thread so every test is deterministic and the suite
// can run several test processes side by side.
#include <gtest/gtest.h>
#include <torch/torch.h>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  torch::set_num_threads(1);
  return RUN_ALL_TESTS();
}
