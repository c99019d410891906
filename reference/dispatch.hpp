// The reference, addressed through the op table (core/ops.hpp): run any op in any direction on
// named tensors, and the error scale K*M of the tolerance policy for each output element.
//
// Tensors travel by the names of the op table: forward conv2d takes {"x", "w", "b"?} and gives
// {"y"}; backward conv2d takes {"x", "w", "b"?, "dy"} and gives {"dx", "dw", "db"?}, with "db"
// present exactly when "b" is. Every input is validated by output_shapes (the shape module)
// first, so a bad name or shape is a std::invalid_argument naming op, argument and values.
//
// Indices (max_pool2d's output "indices", max_unpool2d's input "indices") travel as values of
// T holding integers, so one TensorMap<T> carries every tensor of an op. A double holds every
// integer up to 2^53 exactly, a float only up to 2^24 = 16,777,216: with float an index above
// 2^24 (a pooled plane of more than 16.7 million elements) cannot be represented, and
// run_reference<float> throws std::invalid_argument rather than round it. Indices read from T
// must be finite, non-negative integers at most that limit.
#pragma once

#include "core/ops.hpp"

namespace convlab {

// Runs the reference for spec (op and direction) on `inputs`; returns every output of the
// spec (optional outputs only when they exist, e.g. "db" only with "b"). Outputs never share
// storage with inputs. Instantiated for float and double.
template <class T>
TensorMap<T> run_reference(const OpSpec& spec, const OpParams& params, const TensorMap<T>& inputs);

// The largest index a T holds exactly: 2^24 for float, 2^53 for double.
template <class T>
constexpr std::int64_t max_exact_index() {
  return std::int64_t{1} << (sizeof(T) == 4 ? 24 : 53);
}

// Per output element, the scale K * M of the tolerance policy in DESIGN.md:
//   |y - y_ref| <= atol + factor * eps(T) * K * M,
// K = the length of the reduction behind the element, M = sum_i |x_i * w_i| over it (a bias
// counts as one more term). Returned as one tensor per output name, shaped like that output.
// How K and M are found for each op is documented in dispatch.cpp; in short:
//   - ops that are sums of products of their inputs (corr2d, conv*, conv_transpose2d, linear,
//     their backward passes) and ops that route values with 0/1 weights (flatten, max_unpool2d,
//     nearest upsampling, the backward passes of max pooling and relu): K = the op run on
//     all-ones inputs (it counts the terms, padding excluded, bias included), M = the op run
//     on |inputs|;
//   - average pooling and bilinear upsampling: M = the op on |inputs|, K a documented bound;
//   - selections and element-wise functions (max pooling, relu, sigmoid, tanh): K = 1 and M =
//     |y| plus, for sigmoid and tanh, the condition term |x f'(x)|;
//   - max_pool2d's "indices": 0 (indices must match exactly).
TensorMap<double> error_scale(const OpSpec& spec, const OpParams& params,
                              const TensorMap<double>& inputs);

}  // namespace convlab
