// Chapter 7, separable, depthwise-separable and grouped convolution
// (docs/07-separable-depthwise-grouped.md): W13.
//
// A depthwise convolution gives every input channel its own filter: groups = C_in, so the
// 3-channel 7x7 input and 3 filters of 3x3x1 give 5x5x3 and the channels never mix. The
// program runs W13's depthwise step with ref::conv2d, checks that each output channel is an
// ordinary one-channel convolution of its input channel, and then runs the pointwise step
// (1x1 filters that mix the channels) on the result: together, a depthwise-separable layer.
//
// Run from the repository root: build/release/examples/07_separable_depthwise_grouped fixtures
#include <iostream>

#include "examples/example.hpp"
#include "reference/conv2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case dw = examples::load_example(fixtures, "conv2d/w13_doc001_depthwise_7x7x3");
  const Tensor<double>& x = dw.inputs.at("x");  // (1, 3, 7, 7)
  const Tensor<double>& w = dw.inputs.at("w");  // (3, 1, 3, 3): one filter per channel
  const Conv2dParams& p = std::get<Conv2dParams>(dw.params);
  std::cout << "groups = " << p.groups << " = input channels: depthwise\n";
  examples::print_tensor("w", w);
  const Tensor<double> y = ref::conv2d(x, w, Tensor<double>{}, p);
  examples::print_tensor("y", y);

  // Channel c alone: the (1, 3, H, W) tensors seen as 3 one-channel samples (a free view).
  const std::int64_t channels = x.dim(1);
  const Tensor<double> x_planes = x.reshape(Shape{channels, 1, x.dim(2), x.dim(3)});
  const Tensor<double> y_planes = y.reshape(Shape{channels, 1, y.dim(2), y.dim(3)});
  bool separate = true;
  for (std::int64_t c = 0; c < channels; ++c) {
    const Tensor<double> alone =
        ref::conv2d(x_planes.slice(c, c + 1), w.slice(c, c + 1), Tensor<double>{}, Conv2dParams{});
    const Tensor<double> expected = y_planes.slice(c, c + 1);
    for (std::int64_t i = 0; i < alone.numel(); ++i) separate = separate && alone[i] == expected[i];
  }

  examples::Checks checks;
  checks.expect(dw, {{"y", y}});
  checks.expect(separate, "each output channel is a one-channel convolution of its input channel");
  std::cout << "\n";

  const Case pw = examples::load_example(fixtures, "conv2d/w13_doc001_pointwise_3to4");
  const Tensor<double> z =
      ref::conv2d(y, pw.inputs.at("w"), Tensor<double>{}, std::get<Conv2dParams>(pw.params));
  examples::print_tensor("pointwise output", z);
  checks.expect(pw, {{"y", z}});
  return checks.exit_code();
}
