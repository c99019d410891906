// Reference 1-D convolution (cross-correlation over one spatial axis, e.g. a sequence or one
// row of an image).
//
//   y[n][oc][ol] = b[oc] + sum_{ic, k} x[n][g * C_in/G + ic][il] * w[oc][ic][k]
//   il = ol * stride + k * dilation - pad_left
//
// where g = oc / (C_out / G) is the group of output channel oc and ic runs over the C_in / G
// input channels of that group. Positions il outside [0, L) read zero. This is conv2d with
// H = 1 and KH = 1 (the tests check exactly that). Sums are accumulated in double.
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// x: (N, C_in, L), w: (C_out, C_in / groups, K), bias: empty or (C_out) -> (N, C_out, L_out)
template <class T>
Tensor<T> conv1d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                 const Conv1dParams& p);

template <class T>
struct Conv1dGrads {
  Tensor<T> grad_input;   // (N, C_in, L)
  Tensor<T> grad_weight;  // (C_out, C_in / groups, K)
  Tensor<T> grad_bias;    // (C_out), or empty when has_bias is false
};

// Gradients of a scalar loss given grad_output = dL/dy of shape (N, C_out, L_out):
//   dL/dx[n][..][il]  = sum over every (oc, ol, k) that read x[n][..][il] of
//                       grad_output[n][oc][ol] * w[oc][ic][k]
//   dL/dw[oc][ic][k]  = sum_{n, ol} grad_output[n][oc][ol] * x[n][g * C_in/G + ic][il]
//   dL/db[oc]         = sum_{n, ol} grad_output[n][oc][ol]
template <class T>
Conv1dGrads<T> conv1d_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias, const Conv1dParams& p);

}  // namespace convlab::ref
