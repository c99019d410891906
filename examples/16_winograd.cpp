// Chapter 16, Winograd (docs/16-winograd.md): W23 on conv2d_winograd_f2x3.
//
// Winograd's F(2x2, 3x3) computes each 2x2 tile of outputs from a 4x4 tile of the input with
// 16 multiplications instead of 36: the input tile and the kernel are transformed, multiplied
// element by element, and transformed back. The program runs conv2d_winograd_f2x3 from the
// registry on W23 (a 3x3 kernel, padding 1, a 5x5 output: the last row and column of tiles
// hang over the edge) and prints the output, checked against the document's values.
//
// Run from the repository root: build/release/examples/16_winograd fixtures
#include <iostream>

#include "examples/example.hpp"
#include "kernels/registry.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv2d/w23_doc003_pad1");
  examples::print_tensor("x", c.inputs.at("x"));
  examples::print_tensor("w", c.inputs.at("w"));

  // Output tiles of 2x2; the last row and column of tiles hang over the 5x5 edge.
  const Tensor<double>& y_doc = c.expected.at("y");
  const std::int64_t tiles = ((y_doc.dim(2) + 1) / 2) * ((y_doc.dim(3) + 1) / 2);
  std::cout << tiles << " tiles of 2x2 outputs: " << tiles * 16
            << " multiplications in the transformed domain instead of " << tiles * 36 << "\n";

  examples::Checks checks;
  const Outcome o = checks.expect_variant(c, "conv2d_winograd_f2x3");
  if (o.status == Status::passed) examples::print_tensor("y", o.outputs.at("y"));
  return checks.exit_code();
}
