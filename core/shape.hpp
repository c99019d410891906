// The one shape arithmetic of convlab. Every output shape is computed here, and every invalid
// combination of input shape, weight shape and parameters is rejected here with a
// std::invalid_argument that names the operation, the argument and the values. The reference,
// the kernels, the fixture loader and the `convlab describe` calculator all call these
// functions; nobody recomputes a shape by hand.
//
// The formulas (per spatial axis, n = input size, k = kernel size, s = stride,
// p_lo/p_hi = padding before/after, d = dilation, k_eff = d * (k - 1) + 1):
//   convolution             out = floor((n + p_lo + p_hi - k_eff) / s) + 1
//   transposed convolution  out = (n - 1) * s - p_lo - p_hi + k_eff + output_padding
//   pooling, floor mode     as convolution
//   pooling, ceil mode      out = ceil((n + p_lo + p_hi - k_eff) / s) + 1, minus one when the
//                           last window would start at or after n + p_lo (inside the padding)
// With d = 1 and p = p_lo + p_hi the convolution formula is the textbook
// floor((n - k + p + s) / s).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab {

// Effective extent of a dilated kernel: d * (k - 1) + 1.
std::int64_t effective_kernel(std::int64_t kernel, std::int64_t dilation);

// One spatial axis of a convolution. `op` and `axis` ("conv2d", "h") only name things in
// error messages; the parameter names used there are pad_<lo_name>/pad_<hi_name>.
struct ConvAxis {
  std::int64_t input, kernel, stride, pad_lo, pad_hi, dilation;
  std::string_view axis;     // "h", "w", "d" or "" for 1-D
  std::string_view lo_name;  // "top", "left", "front"
  std::string_view hi_name;  // "bottom", "right", "back"
};
std::int64_t conv_output_size(std::string_view op, const ConvAxis& a);

// x: (N, C_in, L), w: (C_out, C_in / groups, K), bias: empty or (C_out) -> (N, C_out, L_out)
Shape conv1d_output_shape(const Shape& x, const Shape& w, const Shape& bias, const Conv1dParams& p);
// x: (N, C_in, H, W), w: (C_out, C_in / groups, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, H_out, W_out)
Shape conv2d_output_shape(const Shape& x, const Shape& w, const Shape& bias, const Conv2dParams& p);
// The textbook single-channel cross-correlation (W17): x: (H, W), k: (KH, KW)
//   -> (H - KH + 1, W - KW + 1); conv2d with one channel, stride 1, no padding.
Shape corr2d_output_shape(const Shape& x, const Shape& k);
// x: (N, C_in, D, H, W), w: (C_out, C_in / groups, KD, KH, KW) -> (N, C_out, D_out, H_out, W_out)
Shape conv3d_output_shape(const Shape& x, const Shape& w, const Shape& bias, const Conv3dParams& p);
// x: (N, C_in, H, W), w: (C_in, C_out / groups, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, H_out, W_out)
Shape conv_transpose2d_output_shape(const Shape& x, const Shape& w, const Shape& bias,
                                    const ConvTranspose2dParams& p);
// The convolution that a transposed convolution is the adjoint of: same stride, padding,
// dilation and groups, mapping the transposed convolution's output back to its input.
Conv2dParams adjoint_conv2d_params(const ConvTranspose2dParams& p);
// The other way: the transposed convolution that is the adjoint of conv2d `p` (the gradient of
// its input). output_padding stays 0: set it when a stride leaves rows the forward never read.
// Padding modes other than zeros have no transposed form here.
ConvTranspose2dParams adjoint_conv_transpose2d_params(const Conv2dParams& p);

// x: (N, C, H, W) -> (N, C, H_out, W_out)
Shape pool2d_output_shape(std::string_view op, const Shape& x, const Pool2dParams& p);
// x: (N, C, H, W) -> (N, C, 1, 1)
Shape global_avg_pool2d_output_shape(const Shape& x);
// x, indices: (N, C, H, W) -> (N, C, H_out, W_out)
Shape max_unpool2d_output_shape(const Shape& x, const Shape& indices, const Unpool2dParams& p);
// x: (N, C, H, W) -> (N, C, output_h, output_w)
Shape upsample2d_output_shape(const Shape& x, const Upsample2dParams& p);
// x: (N, in_features), w: (out_features, in_features), bias: empty or (out_features)
//   -> (N, out_features)
Shape linear_output_shape(const Shape& x, const Shape& w, const Shape& bias);
// a: (M, K), b: (K, N) -> (M, N): the matrix product c = a b.
Shape gemm_output_shape(const Shape& a, const Shape& b);
// (d0, ..., d_{s-1}, d_s, ..., d_{r-1}) -> (d0, ..., d_{s-1}, d_s * ... * d_{r-1})
Shape flatten_output_shape(const Shape& x, const FlattenParams& p);

// Concatenation along `dim` (GoogLeNet's inception blocks stack their branches along channels,
// dim 1): every input has the same rank and the same extents except along dim, where the
// output's extent is the sum. `op` names the caller in error messages.
Shape concat_output_shape(std::string_view op, std::span<const Shape> inputs, int dim);

// Checks used by backward passes: `grad` must have exactly `expected` shape.
void require_same_shape(std::string_view op, std::string_view what, const Shape& actual,
                        const Shape& expected);

}  // namespace convlab
