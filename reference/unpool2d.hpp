// Reference 2-D max unpooling (up-pooling), the partial inverse of max pooling.
//
//   y[n][c] = 0 everywhere, then y[n][c][indices[n][c][h][w]] = x[n][c][h][w]
//
// indices are flat positions oh * W_out + ow within each (n, c) output plane, as returned by
// max_pool2d. The output size is max_unpool2d_output_shape's: by default the size that max
// pooling with the same kernel, stride and padding inverts, or an explicit output_h/output_w.
// An index outside the output plane is rejected with std::invalid_argument naming the index
// and its position; nothing is written out of bounds.
//
// Duplicate indices within a plane: the element later in row-major order wins. (Overlapping
// max-pooling windows that chose the same maximum carry the same value, so there it does not
// matter which write is last.)
#pragma once

#include <cstdint>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// x, indices: (N, C, H, W) -> (N, C, H_out, W_out)
template <class T>
Tensor<T> max_unpool2d(const Tensor<T>& x, const Tensor<std::int64_t>& indices,
                       const Unpool2dParams& p);

// grad_output: (N, C, H_out, W_out), indices: (N, C, H, W) -> (N, C, H, W)
//   dL/dx[n][c][h][w] = grad_output[n][c][indices[n][c][h][w]]   (a gather)
// This is the transpose of the scatter when the indices of a plane are distinct (as PyTorch,
// it ignores that a duplicate's earlier write was overwritten).
template <class T>
Tensor<T> max_unpool2d_backward(const Tensor<T>& grad_output, const Tensor<std::int64_t>& indices,
                                const Unpool2dParams& p);

}  // namespace convlab::ref
