// Reference 2-D transposed convolution ("deconvolution", "fractionally strided convolution"),
// written as the scatter that it is: every input element spreads a scaled copy of the kernel
// into the output.
//
//   for every x[n][ic][ih][iw], with g = ic / (C_in / G) the group of input channel ic,
//   and every (oc, kh, kw), oc in [0, C_out / G):
//     oh = ih * stride_h + kh * dilation_h - pad_top
//     ow = iw * stride_w + kw * dilation_w - pad_left
//     y[n][g * C_out/G + oc][oh][ow] += x[n][ic][ih][iw] * w[ic][oc][kh][kw]
//   when (oh, ow) lies inside the output; then y[n][c][..][..] += b[c].
//
// The output size per axis is (in - 1) * stride - pad_lo - pad_hi + dilation * (k - 1) + 1 +
// output_padding: the padding crops the full scatter, output_padding adds rows/columns at the
// bottom/right (they receive only the bias) to choose among the input sizes that a strided
// convolution maps to the same output size.
//
// This is the adjoint (the matrix transpose) of conv2d with the same weight and the same stride,
// padding, dilation and groups (adjoint_conv2d_params): <conv2d(z, w), x> = <z,
// conv_transpose2d(x, w)>. It is also what conv2d's backward pass does to grad_output to get the
// gradient of its input. reference/conv_matrix.hpp builds that transpose explicitly.
// Sums are accumulated in double.
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// x: (N, C_in, H, W), w: (C_in, C_out / groups, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, H_out, W_out)
template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                           const ConvTranspose2dParams& p);

template <class T>
struct ConvTranspose2dGrads {
  Tensor<T> grad_input;   // (N, C_in, H, W)
  Tensor<T> grad_weight;  // (C_in, C_out / groups, KH, KW)
  Tensor<T> grad_bias;    // (C_out), or empty when has_bias is false
};

// Gradients of a scalar loss given grad_output = dL/dy of shape (N, C_out, H_out, W_out). With
// (oh, ow) the landing position of (ih, iw, kh, kw) as in the forward pass:
//   dL/dx[n][ic][ih][iw]  = sum_{oc, kh, kw landing inside}
//                           grad_output[n][g * C_out/G + oc][oh][ow] * w[ic][oc][kh][kw]
//   dL/dw[ic][oc][kh][kw] = sum_{n, ih, iw landing inside}
//                           x[n][ic][ih][iw] * grad_output[n][g * C_out/G + oc][oh][ow]
//   dL/db[c]              = sum_{n, oh, ow} grad_output[n][c][oh][ow]
// (dL/dx is conv2d of grad_output with the same weight: transposing twice gives conv back.)
template <class T>
ConvTranspose2dGrads<T> conv_transpose2d_backward(const Tensor<T>& grad_output, const Tensor<T>& x,
                                                  const Tensor<T>& w, bool has_bias,
                                                  const ConvTranspose2dParams& p);

}  // namespace convlab::ref
