// Reference fully connected (linear) layer, PyTorch's nn.Linear.
//
//   y[n][o] = b[o] + sum_i x[n][i] * w[o][i]
//
// The weight is stored (out_features, in_features), so y = x w^T + b. Sums are accumulated in
// double and rounded once. A 1x1 convolution is this layer applied to every pixel's channel
// vector, and a convolution whose kernel covers the whole input is this layer applied to the
// flattened input (LeNet-5's C5).
#pragma once

#include "core/tensor.hpp"

namespace convlab::ref {

// x: (N, in_features), w: (out_features, in_features), bias: empty or (out_features)
//   -> (N, out_features)
template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias);

template <class T>
struct LinearGrads {
  Tensor<T> grad_input;   // (N, in_features)
  Tensor<T> grad_weight;  // (out_features, in_features)
  Tensor<T> grad_bias;    // (out_features), or empty when has_bias is false
};

// Gradients of a scalar loss L given grad_output = dL/dy of shape (N, out_features):
//   dL/dx[n][i] = sum_o grad_output[n][o] * w[o][i]
//   dL/dw[o][i] = sum_n grad_output[n][o] * x[n][i]
//   dL/db[o]    = sum_n grad_output[n][o]
template <class T>
LinearGrads<T> linear_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias);

}  // namespace convlab::ref
