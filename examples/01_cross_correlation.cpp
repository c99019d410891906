// Chapter 1, cross-correlation (docs/01-cross-correlation.md): the edge detector of W18.
//
// A 6x8 image is white (1) at both sides and black (0) in the middle. The 1x2 kernel [1, -1]
// subtracts each pixel's right neighbour from it, so ref::corr2d answers +1 where white turns
// black, -1 where black turns white, and 0 wherever the two neighbours agree.
//
// Run from the repository root: build/release/examples/01_cross_correlation fixtures
#include <iostream>

#include "examples/example.hpp"
#include "reference/conv2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "corr2d/w18_doc002_edge_detector");
  const Tensor<double>& x = c.inputs.at("x");
  const Tensor<double>& k = c.inputs.at("k");
  examples::print_tensor("x", x);
  examples::print_tensor("k", k);

  // The textbook loop: Y[i, j] = sum_a sum_b X[i + a, j + b] * K[a, b].
  const Tensor<double> y = ref::corr2d(x, k);
  std::cout << "y = corr2d(x, k): an (H - KH + 1) x (W - KW + 1) = " << y.dim(0) << "x" << y.dim(1)
            << " map of edges\n";
  examples::print_tensor("y", y);

  // One output by hand: Y[0, 1] = X[0, 1] * 1 + X[0, 2] * (-1) = 1 - 0.
  std::cout << "y[0, 1] = x[0, 1] * k[0, 0] + x[0, 2] * k[0, 1] = " << x(0, 1) << " * " << k(0, 0)
            << " + " << x(0, 2) << " * " << k(0, 1) << " = " << y(0, 1) << "\n\n";

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  return checks.exit_code();
}
