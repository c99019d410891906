// Reference flatten, PyTorch's nn.Flatten: dimensions [start_dim, rank) become one.
//
//   y[d0]...[d_{s-1}][j] = x[d0]...[d_{s-1}][i_s]...[i_{r-1}],
//   j = ((i_s * d_{s+1} + i_{s+1}) * d_{s+2} + ...) + i_{r-1}
//
// Tensors are contiguous and row-major, so j is exactly the flat offset of the trailing indices:
// flatten moves no data. Both directions therefore return a *view* that shares storage with
// their argument (like torch.flatten on a contiguous tensor); clone() the result before writing
// to it if the argument must stay unchanged.
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// x: (d0, ..., d_{s-1}, d_s, ..., d_{r-1}) -> (d0, ..., d_{s-1}, d_s * ... * d_{r-1}),
// s = p.start_dim; e.g. LeNet's (N, 16, 5, 5) -> (N, 400) with start_dim 1.
template <class T>
Tensor<T> flatten(const Tensor<T>& x, const FlattenParams& p);

// grad_output: flatten_output_shape(input_shape, p) -> input_shape. Flatten only renames
// indices, so its gradient is grad_output read with the input's shape.
template <class T>
Tensor<T> flatten_backward(const Tensor<T>& grad_output, const Shape& input_shape,
                           const FlattenParams& p);

}  // namespace convlab::ref
