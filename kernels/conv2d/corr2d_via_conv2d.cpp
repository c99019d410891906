// corr2d_via_conv2d_direct_vc_ow: the textbook single-channel cross-correlation run as a conv2d.
//
//   y[i][j] = sum_{a, b} x[i + a][j + b] * k[a][b]
//           = conv2d(x as (1, 1, H, W), k as (1, 1, KH, KW), no bias, stride 1, no padding)
//
// Parent: corr2d_reference. What this adds: nothing of its own. x, k and y are reshaped into
// the NCHW views conv2d expects (the same storage, no copy) and handed to conv2d_direct_vc_ow,
// whose width path (stride 1 always holds here) keeps 1 output channel x 2 vectors of columns
// in registers; the rest of that kernel's work (padded input rows, FMA tiles, width tails)
// applies unchanged. Of the conv2d kernels it is the one that suits C_in = C_out = 1: the
// channel-vector tile would leave all but one lane idle, and im2col would copy the input KH * KW
// times for a GEMM with one row.
// Accuracy: conv2d_direct_vc_ow's, one float FMA dot product of KH * KW terms per output.
// Memory: that kernel's padded rows (KH rows of about W_out + KW floats).
#include <string>

#include "core/shape.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"

namespace convlab {
namespace {

// x: (H, W) -> (1, 1, H, W), and likewise for k and y.
Shape as_image(const Shape& s) {
  return Shape{1, 1, s[0], s[1]};
}

}  // namespace

std::string corr2d_via_conv2d_direct_vc_ow_supports(const Shape& x, const Shape& k) {
  if (x.rank() != 2 || k.rank() != 2) return "";  // the shape module's message comes from run()
  return conv2d_direct_vc_ow_supports(Conv2dParams{}, as_image(x), as_image(k));
}

void corr2d_via_conv2d_direct_vc_ow(const Tensor<float>& x, const Tensor<float>& k,
                                    Tensor<float>& y) {
  const Shape out = corr2d_output_shape(x.shape(), k.shape());
  require_same_shape("corr2d_via_conv2d_direct_vc_ow", "y", y.shape(), out);
  Tensor<float> y_image = y.reshape(as_image(out));  // a view: conv2d writes into y
  conv2d_direct_vc_ow(x.reshape(as_image(x.shape())), k.reshape(as_image(k.shape())),
                      Tensor<float>(), Conv2dParams{}, y_image);
}

}  // namespace convlab
