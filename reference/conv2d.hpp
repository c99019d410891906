// Reference 2-D convolution (cross-correlation, as in every deep-learning framework).
//
//   y[n][oc][oh][ow] = b[oc] + sum_{ic, kh, kw} x[n][g * C_in/G + ic][ih][iw] * w[oc][ic][kh][kw]
//   ih = oh * stride_h + kh * dilation_h - pad_top,  iw = ow * stride_w + kw * dilation_w -
//   pad_left
//
// where g = oc / (C_out / G) is the group of output channel oc and ic runs over the
// C_in / G input channels of that group. Positions outside the input read zero (or, with
// another padding_mode, the reflected/replicated/wrapped pixel). Sums are accumulated in double.
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// The textbook single-channel cross-correlation: x: (H, W), k: (KH, KW) -> (H-KH+1, W-KW+1).
template <class T>
Tensor<T> corr2d(const Tensor<T>& x, const Tensor<T>& k);

// x: (N, C_in, H, W), w: (C_out, C_in / groups, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, H_out, W_out)
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                 const Conv2dParams& p);

template <class T>
struct Conv2dGrads {
  Tensor<T> grad_input;   // (N, C_in, H, W)
  Tensor<T> grad_weight;  // (C_out, C_in / groups, KH, KW)
  Tensor<T> grad_bias;    // (C_out), or empty when has_bias is false
};

// Gradients of a scalar loss L given grad_output = dL/dy of shape (N, C_out, H_out, W_out):
//   dL/dx[n][ic][ih][iw] = sum over every (oc, oh, ow, kh, kw) that read x[..][ih][iw] of
//                          grad_output[n][oc][oh][ow] * w[oc][ic][kh][kw]
//   dL/dw[oc][ic][kh][kw] = sum_{n, oh, ow} grad_output[n][oc][oh][ow] * x[n][..][ih][iw]
//   dL/db[oc]             = sum_{n, oh, ow} grad_output[n][oc][oh][ow]
// With a non-zero padding mode a padded read of a real pixel sends its gradient to that pixel.
template <class T>
Conv2dGrads<T> conv2d_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias, const Conv2dParams& p);

}  // namespace convlab::ref
