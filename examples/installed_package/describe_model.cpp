// describe_model: builds a zoo model with the installed training library (wrpn::wrpn).
#include <cstdio>

#include <wrpn/models/registry.h>
#include <wrpn/models/summary.h>

int main() {
  wrpn::models::ModelSpec spec;
  spec.name = "lenet5";
  spec.width = 2;
  spec.weight_bits = spec.activation_bits = 4;
  auto model = wrpn::models::build_model(spec);
  const auto summary = wrpn::models::summarize(*model, spec);
  std::printf("lenet5 2x 4/4: %zu layers\n", summary.layers.size());
  return 0;
}
