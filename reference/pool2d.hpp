// Reference 2-D max, average and global average pooling, with their backward passes.
//
// Each output element reads one window of one (n, c) plane; channels never mix, so the output
// has as many channels as the input. With ih = oh * stride_h + kh * dilation_h - pad_top and
// iw = ow * stride_w + kw * dilation_w - pad_left:
//
//   max:  y[n][c][oh][ow] = max_{kh, kw} x[n][c][ih][iw]      (positions outside x are -inf)
//         indices[n][c][oh][ow] = ih * W + iw of that maximum  (flat within the (n, c) plane)
//   avg:  y[n][c][oh][ow] = (sum_{kh, kw, (ih, iw) inside x} x[n][c][ih][iw]) / divisor
//   global average: y[n][c][0][0] = (sum_{h, w} x[n][c][h][w]) / (H * W)
//
// Windows follow PyTorch. With ceil_mode the last window may hang past the input (and its
// padding); the part outside is ignored. The average's divisor along each axis is
//   count_include_pad:  min(start + k, n + pad_hi) - start  (padding counts, the ceil_mode
//                       overhang beyond the padding does not)
//   otherwise:          the number of real input elements in the window
// and the 2-D divisor is the product of the two axes' divisors.
//
// Max pooling ties and NaN (documented choices):
//   - ties: the first maximum in row-major window order (kh outer, kw inner) wins, as in
//     PyTorch's CPU kernel;
//   - NaN propagates (as in PyTorch): a window holding a NaN outputs NaN, and its index is
//     the first NaN in row-major window order.
// Sums are accumulated in double.
#pragma once

#include <cstdint>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

template <class T>
struct MaxPool2dResult {
  Tensor<T> output;              // (N, C, H_out, W_out)
  Tensor<std::int64_t> indices;  // (N, C, H_out, W_out): ih * W + iw of each maximum
};

// x: (N, C, H, W) -> output and indices (N, C, H_out, W_out)
template <class T>
MaxPool2dResult<T> max_pool2d(const Tensor<T>& x, const Pool2dParams& p);

// grad_output, indices: (N, C, H_out, W_out), input_shape: (N, C, H, W) -> (N, C, H, W)
//   dL/dx[n][c][i] = sum over every output element whose index is i of grad_output
// (overlapping windows may pick the same maximum; their gradients add).
template <class T>
Tensor<T> max_pool2d_backward(const Tensor<T>& grad_output, const Tensor<std::int64_t>& indices,
                              const Shape& input_shape);

// x: (N, C, H, W) -> (N, C, H_out, W_out). dilation_h and dilation_w must be 1.
template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Pool2dParams& p);

// grad_output: (N, C, H_out, W_out), input_shape: (N, C, H, W) -> (N, C, H, W)
//   dL/dx[n][c][ih][iw] = sum over the windows holding (ih, iw) of grad_output / divisor
template <class T>
Tensor<T> avg_pool2d_backward(const Tensor<T>& grad_output, const Shape& input_shape,
                              const Pool2dParams& p);

// x: (N, C, H, W) -> (N, C, 1, 1)
template <class T>
Tensor<T> global_avg_pool2d(const Tensor<T>& x);

// grad_output: (N, C, 1, 1), input_shape: (N, C, H, W) -> (N, C, H, W), every element
// grad_output[n][c][0][0] / (H * W).
template <class T>
Tensor<T> global_avg_pool2d_backward(const Tensor<T>& grad_output, const Shape& input_shape);

}  // namespace convlab::ref
