// Reference 2-D upsampling by interpolation to an explicit output size (PyTorch's
// F.interpolate with size=, for modes 'nearest' and 'bilinear'). Works for shrinking too.
//
// Per axis, with in = input size and out = output size, output index dst reads source
// coordinate src:
//   nearest:                      src = min(floor(dst * in / out), in - 1)   (exact integers)
//   bilinear, align_corners=true:  src = dst * (in - 1) / (out - 1), and 0 when out == 1
//   bilinear, align_corners=false: src = max((dst + 0.5) * in / out - 0.5, 0)
// Bilinear interpolates between i0 = floor(src) and i1 = min(i0 + 1, in - 1) with weights
// 1 - l and l, l = src - i0, along both axes:
//   y[n][c][oh][ow] = sum_{a, b in {0, 1}} lh_a * lw_b * x[n][c][ih_a][iw_b]
// All four taps are read, as the formula says, even one of weight 0 (so an inf next to the
// sampled pixel makes the output NaN); nearest reads the one source pixel only.
// The backward pass is the transpose: each grad_output element is scattered to the same
// (at most four) input pixels with the same weights. Weights and sums are computed in double.
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// x: (N, C, H, W) -> (N, C, output_h, output_w)
template <class T>
Tensor<T> upsample2d(const Tensor<T>& x, const Upsample2dParams& p);

// grad_output: (N, C, output_h, output_w), input_shape: (N, C, H, W) -> (N, C, H, W)
template <class T>
Tensor<T> upsample2d_backward(const Tensor<T>& grad_output, const Shape& input_shape,
                              const Upsample2dParams& p);

}  // namespace convlab::ref
