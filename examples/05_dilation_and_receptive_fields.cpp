// Chapter 5, dilation and receptive fields (docs/05-dilation-and-receptive-fields.md): W2.
//
// A 3x3 kernel with dilation 2 reads every second pixel, so its 9 weights cover a 5x5 area;
// padding 2 on every side then keeps the 6x6 input 6x6. The program computes W2 with
// ref::conv2d and shows the identity behind dilation: the same result comes from an ordinary
// convolution with the 5x5 kernel that has zeros between the 9 weights.
//
// Run from the repository root: build/release/examples/05_dilation_and_receptive_fields fixtures
#include <algorithm>
#include <cmath>
#include <iostream>

#include "core/shape.hpp"
#include "examples/example.hpp"
#include "reference/conv2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv2d/w2_doc000_dilation2_pad2");
  const Tensor<double>& x = c.inputs.at("x");
  const Tensor<double>& w = c.inputs.at("w");
  const Tensor<double>& b = c.inputs.at("b");
  const Conv2dParams& p = std::get<Conv2dParams>(c.params);
  examples::print_tensor("w", w);

  const std::int64_t extent = effective_kernel(w.dim(2), p.dilation_h);
  std::cout << "dilation " << p.dilation_h << ": a " << w.dim(2) << "x" << w.dim(3)
            << " kernel covers " << extent << "x" << extent << " input pixels\n\n";
  const Tensor<double> y = ref::conv2d(x, w, b, p);
  examples::print_tensor("y", y);
  std::cout << "(the document printed its weights rounded to 4 decimals, so a last digit here may\n"
               "differ from its output; the fixture's tolerance allows for that)\n\n";

  // The zero-inserted kernel: weight (a, b) moves to (a * d, b * d), the rest stays 0.
  Tensor<double> spread(Shape{1, 1, extent, extent});
  for (std::int64_t a = 0; a < w.dim(2); ++a) {
    for (std::int64_t bb = 0; bb < w.dim(3); ++bb) {
      spread(0, 0, a * p.dilation_h, bb * p.dilation_w) = w(0, 0, a, bb);
    }
  }
  examples::print_tensor("the same kernel with zeros inserted", spread);
  Conv2dParams dense = p;
  dense.dilation_h = dense.dilation_w = 1;
  const Tensor<double> y_dense = ref::conv2d(x, spread, b, dense);
  double largest = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    largest = std::max(largest, std::fabs(y[i] - y_dense[i]));
  }
  std::cout << "largest |difference| between the two outputs: " << largest << "\n\n";

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  checks.expect(largest <= 1e-15, "dilation 2 equals a dense 5x5 kernel with zeros inserted");
  return checks.exit_code();
}
