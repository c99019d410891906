// Chapter 12, backward passes (docs/12-backward-passes.md): the gradients of W1.
//
// Given dy = dL/dy for W1's 3x3 convolution of a 6x6 input, the backward pass returns dx (for
// the layer below), dw and db (to update the weights). The program computes them with
// ref::conv2d_backward, then computes dx a second way: the transposed convolution of dy with
// the same kernel, stride and padding, because dy flows back through the transpose C^T of the
// convolution matrix. Both are checked against the exact gradients of the fixture.
//
// Run from the repository root: build/release/examples/12_backward_passes fixtures
#include <iostream>

#include "core/shape.hpp"
#include "examples/example.hpp"
#include "reference/conv2d.hpp"
#include "reference/conv_transpose2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv2d/w1_doc000_k3_backward");
  const Tensor<double>& x = c.inputs.at("x");
  const Tensor<double>& w = c.inputs.at("w");
  const Tensor<double>& dy = c.inputs.at("dy");
  const Conv2dParams& p = std::get<Conv2dParams>(c.params);
  examples::print_tensor("w", w);
  examples::print_tensor("dy", dy);

  const ref::Conv2dGrads<double> g = ref::conv2d_backward(dy, x, w, /*has_bias=*/true, p);
  examples::print_tensor("dx from conv2d_backward", g.grad_input);
  examples::print_tensor("dw", g.grad_weight);
  examples::print_tensor("db", g.grad_bias);

  // The transposed convolution with the forward convolution's stride, padding and dilation.
  const ConvTranspose2dParams t = adjoint_conv_transpose2d_params(p);
  const Tensor<double> dx = ref::conv_transpose2d(dy, w, Tensor<double>{}, t);
  examples::print_tensor("dx from conv_transpose2d(dy, w)", dx);

  examples::Checks checks;
  checks.expect(c, {{"dx", g.grad_input}, {"dw", g.grad_weight}, {"db", g.grad_bias}});
  checks.expect(c, {{"dx", dx}, {"dw", g.grad_weight}, {"db", g.grad_bias}});
  return checks.exit_code();
}
