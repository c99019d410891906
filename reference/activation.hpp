// Reference element-wise activations and their backward passes. Every function works on a
// tensor of any rank (the absent, rank-0 tensor gives the absent tensor) and returns a new
// tensor of the same shape. Values are computed in double and rounded once to T.
//
//   relu(x)    = max(x, 0)                      relu'(x)    = 1 if x > 0, else 0
//   sigmoid(x) = 1 / (1 + e^-x)                 sigmoid'(x) = y * (1 - y),  y = sigmoid(x)
//   tanh(x)    = (e^x - e^-x) / (e^x + e^-x)    tanh'(x)    = 1 - y^2,      y = tanh(x)
//
// The backward passes take what the derivative is cheapest to express in: relu needs the input
// x, sigmoid and tanh need only their output y (so a network keeps y and can drop x).
//
// Conventions:
// - relu'(0) is taken as 0, as PyTorch does (any value in [0, 1] is a valid subgradient; 0 keeps
//   a dead unit dead and needs no special case for -0).
// - NaN propagates: relu(NaN), sigmoid(NaN), tanh(NaN) are NaN, and so is relu_backward at a
//   NaN input (the derivative is undefined there; a 0 would hide the bad value).
// - relu(-0) is +0.
// - sigmoid never overflows: it only ever exponentiates a non-positive number, e^-|x| in (0, 1],
//   so sigmoid(1000) = 1, sigmoid(-1000) = 0 (not NaN from inf / inf) and sigmoid(0) = 0.5
//   exactly.
#pragma once

#include "core/tensor.hpp"

namespace convlab::ref {

// x: any shape -> same shape.
template <class T>
Tensor<T> relu(const Tensor<T>& x);
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x);
template <class T>
Tensor<T> tanh(const Tensor<T>& x);  // std::tanh element-wise

// grad_output, x: the same shape -> dL/dx[i] = grad_output[i] if x[i] > 0, 0 if x[i] <= 0,
// NaN if x[i] is NaN.
template <class T>
Tensor<T> relu_backward(const Tensor<T>& grad_output, const Tensor<T>& x);
// grad_output, y = sigmoid(x): the same shape -> dL/dx[i] = grad_output[i] * y[i] * (1 - y[i]).
template <class T>
Tensor<T> sigmoid_backward(const Tensor<T>& grad_output, const Tensor<T>& y);
// grad_output, y = tanh(x): the same shape -> dL/dx[i] = grad_output[i] * (1 - y[i]^2).
template <class T>
Tensor<T> tanh_backward(const Tensor<T>& grad_output, const Tensor<T>& y);

}  // namespace convlab::ref
