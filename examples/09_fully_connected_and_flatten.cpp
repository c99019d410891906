// Chapter 9, fully connected layers and flatten (docs/09-fully-connected-and-flatten.md): W6.
//
// A fully connected layer 4 -> 2: every output is the bias plus a weighted sum of all four
// inputs, y = x w^T + b. The program computes W6 with ref::linear, spells out the first sum,
// and then gets the same numbers the CNN way: the input as a 4-channel 1x1 image, the weights
// as two 1x1 filters, ref::conv2d, and ref::flatten back to one vector per sample.
//
// Run from the repository root: build/release/examples/09_fully_connected_and_flatten fixtures
#include <iostream>

#include "examples/example.hpp"
#include "reference/conv2d.hpp"
#include "reference/flatten.hpp"
#include "reference/linear.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "linear/w6_doc000_fc_4to2");
  const Tensor<double>& x = c.inputs.at("x");  // (1, 4)
  const Tensor<double>& w = c.inputs.at("w");  // (2, 4)
  const Tensor<double>& b = c.inputs.at("b");  // (2)
  examples::print_tensor("x", x);
  examples::print_tensor("w", w);
  examples::print_tensor("b", b);

  const Tensor<double> y = ref::linear(x, w, b);
  examples::print_tensor("y", y, 5);
  std::cout << "y[0] = " << b[0];
  for (std::int64_t i = 0; i < x.dim(1); ++i) std::cout << " + " << x(0, i) << " * " << w(0, i);
  std::cout << " = " << y(0, 0) << "\n\n";

  // The same layer as a convolution: (N, in) -> (N, in, 1, 1), weights (out, in, 1, 1).
  const Tensor<double> image = x.reshape(Shape{x.dim(0), x.dim(1), 1, 1});
  const Tensor<double> filters = w.reshape(Shape{w.dim(0), w.dim(1), 1, 1});
  const Tensor<double> maps = ref::conv2d(image, filters, b, Conv2dParams{});
  const Tensor<double> flat = ref::flatten(maps, FlattenParams{.start_dim = 1});
  std::cout << "as a 1x1 convolution: output " << format_shape(maps.shape()) << ", flattened "
            << format_shape(flat.shape()) << "\n";
  examples::print_tensor("flatten(conv2d(x, w, b))", flat, 5);

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  checks.expect(c, {{"y", flat}});
  return checks.exit_code();
}
