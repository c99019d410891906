// Chapter 13, im2col + GEMM (docs/13-im2col-gemm.md): W10's convolution as one matrix product.
//
// im2col copies the input window of every output position into one column of a matrix; the
// flattened kernel is one row of weights; their product is the output. The program builds the
// im2col matrix of W10 (a 4x4 input, a 3x3 kernel, stride 1, no padding) by hand, multiplies
// with ref::gemm, and then runs the library's conv2d_im2col_gemm from the registry on the
// same case.
//
// Run from the repository root: build/release/examples/13_im2col_gemm fixtures
#include <iostream>

#include "core/shape.hpp"
#include "examples/example.hpp"
#include "reference/gemm.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv2d/w10_doc001_conv_4x4_k3");
  const Tensor<double>& x = c.inputs.at("x");  // (1, C_in, H, W)
  const Tensor<double>& w = c.inputs.at("w");  // (C_out, C_in, KH, KW)
  examples::print_tensor("x", x);
  const Shape out =
      conv2d_output_shape(x.shape(), w.shape(), Shape{}, std::get<Conv2dParams>(c.params));
  const std::int64_t C_in = x.dim(1), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];

  // col[(ic, kh, kw)][(oh, ow)] = x[ic][oh + kh][ow + kw]  (stride 1, no padding)
  Tensor<double> col(Shape{C_in * KH * KW, H_out * W_out});
  for (std::int64_t ic = 0; ic < C_in; ++ic)
    for (std::int64_t kh = 0; kh < KH; ++kh)
      for (std::int64_t kw = 0; kw < KW; ++kw)
        for (std::int64_t oh = 0; oh < H_out; ++oh)
          for (std::int64_t ow = 0; ow < W_out; ++ow)
            col((ic * KH + kh) * KW + kw, oh * W_out + ow) = x(0, ic, oh + kh, ow + kw);
  std::cout << "im2col: one column per output position, one row per kernel tap\n";
  examples::print_tensor("col", col);

  // y (C_out x H_out*W_out) = w (C_out x C_in*KH*KW) * col
  const Tensor<double> w_rows = w.reshape(Shape{w.dim(0), C_in * KH * KW});
  examples::print_tensor("w as rows", w_rows);
  const Tensor<double> product = ref::gemm(w_rows, col);
  examples::print_tensor("w_rows * col", product);
  const Tensor<double> y = product.reshape(out);
  examples::print_tensor("y", y);

  examples::Checks checks;
  checks.expect(c, {{"y", y}});
  const Outcome o = checks.expect_variant(c, "conv2d_im2col_gemm");
  if (o.status == Status::passed)
    examples::print_tensor("y from conv2d_im2col_gemm", o.outputs.at("y"));
  return checks.exit_code();
}
