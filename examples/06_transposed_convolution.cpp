// Chapter 6, transposed convolution (docs/06-transposed-convolution.md): W3.
//
// A transposed convolution scatters: every input element adds a copy of the kernel, scaled by
// that element, to the output window it maps to. A 2x2 input and a 2x2 kernel, stride 1, give
// a 3x3 output (W3). The program computes W3 with ref::conv_transpose2d, prints the four
// scaled kernel copies, and computes it once more as the transposed convolution matrix C^T.
//
// Run from the repository root: build/release/examples/06_transposed_convolution fixtures
#include <iostream>
#include <string>

#include "examples/example.hpp"
#include "reference/conv_matrix.hpp"
#include "reference/conv_transpose2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv_transpose2d/w3_doc000_transpose_k2");
  const Tensor<double>& x = c.inputs.at("x");
  const Tensor<double>& w = c.inputs.at("w");
  const Tensor<double>& b = c.inputs.at("b");
  const auto& p = std::get<ConvTranspose2dParams>(c.params);
  examples::print_tensor("x", x);
  examples::print_tensor("w", w);

  // What each input element contributes: x[i][j] * w, added to y with its corner at (i, j).
  for (std::int64_t i = 0; i < x.dim(2); ++i) {
    for (std::int64_t j = 0; j < x.dim(3); ++j) {
      Tensor<double> copy = w.clone().reshape(Shape{w.dim(2), w.dim(3)});
      for (double& v : copy.values()) v *= x(0, 0, i, j);
      const std::string at = std::to_string(i) + "][" + std::to_string(j);
      examples::print_tensor("x[" + at + "] * w, corner at y[" + at + "]", copy, 5);
    }
  }

  const Tensor<double> y = ref::conv_transpose2d(x, w, b, p);
  std::cout << "y = the sum of the four copies + bias " << b[0] << "\n";
  examples::print_tensor("y", y);
  std::cout << "(the document printed its weights rounded to 4 decimals, so a last digit here may\n"
               "differ from its output; the fixture's tolerance allows for that)\n\n";
  const Tensor<double> y_matrix = ref::conv_transpose2d_via_matrix(x, w, b, p);

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  checks.expect(c, {{"y", y_matrix}});
  return checks.exit_code();
}
