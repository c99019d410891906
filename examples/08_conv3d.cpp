// Chapter 8, 3-D convolution (docs/08-conv3d.md): W15.
//
// A 2x3x3 filter, shallower than the 4-deep input, slides along depth as well as height and
// width, so the output is a volume too: 3 depths of 2x2. The program computes W15 with
// ref::conv3d and then rebuilds each output depth from 2-D convolutions: output depth d is
// conv2d(input slice d, filter slice 0) + conv2d(input slice d + 1, filter slice 1).
//
// Run from the repository root: build/release/examples/08_conv3d fixtures
#include <iostream>

#include "examples/example.hpp"
#include "reference/conv2d.hpp"
#include "reference/conv3d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv3d/w15_doc001_conv3d_depth4_k2x3x3");
  const Tensor<double>& x = c.inputs.at("x");  // (1, 1, D, H, W)
  const Tensor<double>& w = c.inputs.at("w");  // (1, 1, KD, KH, KW)
  examples::print_tensor("w", w);

  const Tensor<double> y = ref::conv3d(x, w, Tensor<double>{}, std::get<Conv3dParams>(c.params));
  examples::print_tensor("y", y);

  // The depth slices as one-channel 2-D images (views, no copies).
  const Tensor<double> x_slices = x.reshape(Shape{x.dim(2), 1, x.dim(3), x.dim(4)});
  const Tensor<double> w_slices = w.reshape(Shape{w.dim(2), 1, w.dim(3), w.dim(4)});
  const Tensor<double> y_slices = y.reshape(Shape{y.dim(2), 1, y.dim(3), y.dim(4)});
  bool sum_of_2d = true;
  for (std::int64_t od = 0; od < y.dim(2); ++od) {
    Tensor<double> sum(Shape{1, 1, y.dim(3), y.dim(4)});
    for (std::int64_t kd = 0; kd < w.dim(2); ++kd) {
      const Tensor<double> part =
          ref::conv2d(x_slices.slice(od + kd, od + kd + 1), w_slices.slice(kd, kd + 1),
                      Tensor<double>{}, Conv2dParams{});
      for (std::int64_t i = 0; i < sum.numel(); ++i) sum[i] += part[i];
    }
    const Tensor<double> expected = y_slices.slice(od, od + 1);
    for (std::int64_t i = 0; i < sum.numel(); ++i) sum_of_2d = sum_of_2d && sum[i] == expected[i];
  }
  std::cout << "each output depth equals the sum of " << w.dim(2)
            << " conv2d's over the filter's depth slices: " << (sum_of_2d ? "yes" : "no") << "\n\n";

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  checks.expect(sum_of_2d, "conv3d is a sum of conv2d's over the kernel depth");
  return checks.exit_code();
}
