// Chapter 4, pooling (docs/04-pooling.md): W4 and W5.
//
// The same 4x4 input 1..16 is pooled with a 3x3 window and stride 1, once keeping each
// window's maximum (W4, with the position it came from) and once its average (W5). Pooling
// has no weights and never mixes channels: one window of one plane gives one output.
//
// Run from the repository root: build/release/examples/04_pooling fixtures
#include <iostream>

#include "examples/example.hpp"
#include "reference/pool2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  examples::Checks checks;

  const Case max_case = examples::load_example(fixtures, "max_pool2d/w4_doc000_k3_s1");
  const Tensor<double>& x = max_case.inputs.at("x");
  examples::print_tensor("x", x);
  const ref::MaxPool2dResult<double> max =
      ref::max_pool2d(x, std::get<Pool2dParams>(max_case.params));
  examples::print_tensor("y", max.output);
  // indices[i][j] = ih * W + iw: where in the 4x4 plane the maximum of window (i, j) sits.
  const Tensor<double> indices = max.indices.cast<double>();
  examples::print_tensor("indices", indices);
  checks.expect(max_case, {{"y", max.output}, {"indices", indices}});
  std::cout << "\n";

  const Case avg_case = examples::load_example(fixtures, "avg_pool2d/w5_doc000_k3_s1");
  const Tensor<double> avg =
      ref::avg_pool2d(avg_case.inputs.at("x"), std::get<Pool2dParams>(avg_case.params));
  // The first window holds 1 2 3 / 5 6 7 / 9 10 11: their sum 54 divided by 9.
  examples::print_tensor("y", avg);
  checks.expect(avg_case, {{"y", avg}});
  return checks.exit_code();
}
