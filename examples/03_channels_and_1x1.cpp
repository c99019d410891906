// Chapter 3, channels and 1x1 convolution (docs/03-channels-and-1x1.md): W9.
//
// A 1x1 convolution of a 3-channel 3x3 input with 2 filters of 1x1x3 plus a bias. Each filter
// sums the channels of one pixel with its weights, so the layer is a fully connected layer
// 3 -> 2 applied to every pixel on its own. The program computes W9 with ref::conv2d, then
// recomputes every pixel with ref::linear to show that identity.
//
// Run from the repository root: build/release/examples/03_channels_and_1x1 fixtures
#include <iostream>

#include "examples/example.hpp"
#include "reference/conv2d.hpp"
#include "reference/linear.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv2d/w9_doc001_1x1_conv_3to2");
  const Tensor<double>& x = c.inputs.at("x");  // (1, 3, 3, 3)
  const Tensor<double>& w = c.inputs.at("w");  // (2, 3, 1, 1)
  const Tensor<double>& b = c.inputs.at("b");  // (2)
  examples::print_tensor("x", x);
  examples::print_tensor("b", b);

  const Tensor<double> y = ref::conv2d(x, w, b, std::get<Conv2dParams>(c.params));
  examples::print_tensor("y", y);

  // The same layer as a fully connected layer on each pixel's channel vector: the weight
  // (2, 3, 1, 1) read as the matrix (2, 3).
  const Tensor<double> w_matrix = w.reshape(Shape{2, 3});
  examples::print_tensor("w as a matrix", w_matrix);
  bool same = true;
  for (std::int64_t i = 0; i < x.dim(2); ++i) {
    for (std::int64_t j = 0; j < x.dim(3); ++j) {
      Tensor<double> pixel(Shape{1, x.dim(1)});
      for (std::int64_t ch = 0; ch < x.dim(1); ++ch) pixel(0, ch) = x(0, ch, i, j);
      const Tensor<double> fc = ref::linear(pixel, w_matrix, b);
      for (std::int64_t o = 0; o < y.dim(1); ++o) same = same && fc(0, o) == y(0, o, i, j);
      if (i == 0 && j == 0) {
        std::cout << "pixel (0, 0): channels (" << pixel(0, 0) << ", " << pixel(0, 1) << ", "
                  << pixel(0, 2) << ") -> linear -> (" << fc(0, 0) << ", " << fc(0, 1) << ")\n";
      }
    }
  }

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  checks.expect(same, "ref::linear on every pixel gives the 1x1 convolution's outputs");
  return checks.exit_code();
}
