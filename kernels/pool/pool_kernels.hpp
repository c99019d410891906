// The optimized variants of pooling, unpooling and upsampling (float32, NCHW). Each variant is
// one file in kernels/pool/ and a run function plus, where a variant does not apply to every
// problem, a supports() function returning "" or the reason it does not.
//
// Every kernel validates shapes through the shape module first (the same std::invalid_argument
// as the reference), checks that its outputs have the output shape, and throws
// std::invalid_argument with the supports() reason when asked to run a problem it refuses.
// Nothing falls back silently to another algorithm.
//
// Threads: OpenMP over the (n, c) planes only. Each plane is computed by one thread with the
// same operations in the same order whatever the thread count, so results are bit-identical
// for any number of threads.
//
// Tolerance (DESIGN.md): |y - y_ref| <= factor * eps(float) * K * M element-wise, with eps =
// 2^-23 = 2u (u the unit roundoff). For average pooling the reference's K * M is
// (kernel_h * kernel_w + 1) * avg_pool(|x|); for global average pooling (H * W + 1) * mean|x|;
// for bilinear upsampling 6 * bilinear(|x|) plus a term for the rounded source coordinate; for
// max pooling, max unpooling and nearest upsampling |y| (K = 1): those select or copy one
// input, so they are exact and their factor does not matter as long as the error is 0 (the
// tests check equality with ==). Backward passes: the reference's K * M of the backward op
// (reference/dispatch.cpp): K = 1 for global average pooling's broadcast and max unpooling's
// gather (copies), the number of dy terms meeting at an input for nearest upsampling.
#pragma once

#include <cstdint>
#include <string>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab {

// ---- max pooling: y and indices (N, C, H_out, W_out) from x (N, C, H, W) ----
//
// indices hold ih * W + iw of each maximum as float values (the registry carries every tensor
// of an op as float; reference/dispatch.hpp). A float holds integers exactly up to 2^24, so
// planes of more than 2^24 elements are refused (max_pool2d_indices_supports).
std::string max_pool2d_indices_supports(const Pool2dParams& p, const Shape& x);

// A row pass (the maximum of each row window, and its column) then a column pass (the maximum
// of the row maxima over the window's rows). Scalar; every parameter (padding as -inf,
// dilation, ceil_mode). Exact, with the reference's tie-breaking and NaN propagation.
void max_pool2d_separable(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y,
                          Tensor<float>& indices);
// The same two passes with Vc vectors along the output width.
void max_pool2d_vc(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y,
                   Tensor<float>& indices);
// The window in the reference's row-major tap order with AVX-512: 16 (n, c) planes per vector
// (transposed in and out 16x16, one vector per pixel) for most problems, else 16 output columns
// of one plane per vector (masked loads, even/odd permutes for stride 2, gathers beyond). Every
// parameter; supports() refuses CPUs without AVX-512F (and planes max_pool2d_indices_supports
// refuses).
std::string max_pool2d_avx512_supports(const Pool2dParams& p, const Shape& x);
void max_pool2d_avx512(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y,
                       Tensor<float>& indices);
// A selection: exact. 1 is the smallest factor of the policy; any error at all fails.
inline constexpr double kMaxPool2dToleranceFactor = 1;

// ---- average pooling: y (N, C, H_out, W_out) from x (N, C, H, W) ----

// A row pass (sums over each row window) then a column pass (sums of the row sums), in float,
// divided by the reference's divisor (count_include_pad, ceil_mode). Scalar.
void avg_pool2d_separable(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y);
// The same two passes with Vc vectors along the output width.
void avg_pool2d_vc(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y);
// Two nested float sums, kernel_w then kernel_h terms: at most kernel_w + kernel_h - 2
// roundings of partial sums bounded by the window's sum of |x|, plus the division and the
// rounding of the inputs: below (kernel_h * kernel_w + 1) * u * M, half the bound of factor 1.
inline constexpr double kAvgPool2dSeparableToleranceFactor = 1;

// The window's sum with AVX-512: 16 (n, c) planes per vector where rows are short, else 16
// output columns of one plane per vector (rows summed first for stride 2; lanes along the
// window for a single output column), then the reference's divisor. supports() refuses CPUs
// without AVX-512F only.
std::string avg_pool2d_avx512_supports(const Pool2dParams& p, const Shape& x);
void avg_pool2d_avx512(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y);
// kernel_h * kernel_w float terms in any order: at most K - 1 roundings of partial sums bounded
// by the window's sum of |x|, plus the division: within (K + 1) * u * M, as the separable sums.
inline constexpr double kAvgPool2dAvx512ToleranceFactor = kAvgPool2dSeparableToleranceFactor;

// Running (sliding) sums along the rows, then along the columns, restarted from a direct sum
// of the window every `restart` outputs along each axis, so the work per output is about
// 1 + 2 * stride additions whatever the window, and the rounding error cannot grow with the
// length of a row. Dilation must be 1 (average pooling has none anyway).
std::string avg_pool2d_running_sum_supports(const Pool2dParams& p, const Shape& x);
void avg_pool2d_running_sum(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y);
// The same with explicit restart intervals (>= 1 outputs per axis); the registered variant uses
// avg_pool2d_running_sum_restart(kernel, stride) on each axis. A restart interval as long as
// the row shows how the error of a plain running sum grows with the row (tests).
void avg_pool2d_running_sum_with_restart(const Tensor<float>& x, const Pool2dParams& p,
                                         Tensor<float>& y, std::int64_t restart_h,
                                         std::int64_t restart_w);
// kernel when windows overlap (stride < kernel), else 1 (no overlap: nothing to slide over,
// each window is summed directly).
std::int64_t avg_pool2d_running_sum_restart(std::int64_t kernel, std::int64_t stride);
// The error model of the running sum, per output element, in units of eps (see
// avg_pool2d_running_sum.cpp for the derivation): with c_w = kernel_w + 2 stride_w (R_w - 1)
// and c_h likewise (the most roundings a running sum makes between restarts),
//   scale = (c_w * A + c_h * B + 2 * S) / divisor,
// S = sum of |x| over the window, A = sum of |x| over the window's rows times the columns read
// by the window's restart block along w, B = over the rows read by its block along h times the
// window's columns. The bound of the first-order analysis is u * scale, so the factor 1 below
// leaves a margin of 2 for second-order terms. Unlike the reference's K * M, it involves
// neighbouring windows (a running sum carries the rounding of every value that passed through
// it since the last restart), but only within one restart block.
Tensor<double> avg_pool2d_running_sum_error_scale(const Tensor<double>& x, const Pool2dParams& p,
                                                  std::int64_t restart_h, std::int64_t restart_w);
inline constexpr double kAvgPool2dRunningSumToleranceFactor = 1;

// ---- backward passes: dx (N, C, H, W) from x (N, C, H, W) and dy (N, C, H_out, W_out) ----

// The forward's indices from max_pool2d_vc, then a float scatter-add of dy per plane.
void max_pool2d_backward_scatter(const Tensor<float>& x, const Tensor<float>& dy,
                                 const Pool2dParams& p, Tensor<float>& dx);
// At most ceil(KH / SH) * ceil(KW / SW) float terms per element: the plain bound.
inline constexpr double kMaxPool2dBackwardScatterToleranceFactor = 1;

// The adjoint of the separable passes: dy / divisor scattered down the columns (Vc along the
// width), then along the rows.
void avg_pool2d_backward_separable(const Tensor<float>& x, const Tensor<float>& dy,
                                   const Pool2dParams& p, Tensor<float>& dx);
// One division and two nested float sums of at most ceil(K / S) terms each: the plain bound.
inline constexpr double kAvgPool2dBackwardSeparableToleranceFactor = 1;

// ---- global average pooling: y (N, C, 1, 1) from x (N, C, H, W) ----

// One plane summed in 4 Vc accumulators (lanes), then across lanes; divided by H * W.
void global_avg_pool2d_vc(const Tensor<float>& x, Tensor<float>& y);
// H * W terms in float in another order: the plain bound K * u * M with K = H * W + 1.
inline constexpr double kGlobalAvgPool2dVcToleranceFactor = 1;

// dx (N, C, H, W) = dy (N, C, 1, 1) / (H * W) broadcast over each plane (x gives the shape):
// one division per plane (as the reference's, in double), then Vc stores of the broadcast.
void global_avg_pool2d_backward_vc(const Tensor<float>& x, const Tensor<float>& dy,
                                   Tensor<float>& dx);
// One rounded division per element, the reference's own: within K * M with K = 1.
inline constexpr double kGlobalAvgPool2dBackwardVcToleranceFactor = 1;

// ---- max unpooling: y (N, C, H_out, W_out) from x and indices (N, C, H, W) ----

// Zero each output plane, then scatter x to its indices in row-major order (a later duplicate
// wins, as in the reference). Indices arrive as float values and must be integers in
// [0, H_out * W_out); anything else is std::invalid_argument naming the position and value.
void max_unpool2d_scatter(const Tensor<float>& x, const Tensor<float>& indices,
                          const Unpool2dParams& p, Tensor<float>& y);
inline constexpr double kMaxUnpool2dScatterToleranceFactor = 1;  // a copy: exact

// Backward: dx (N, C, H, W) = dy (N, C, H_out, W_out) read at each index of its plane (x gives
// the forward's input shape). L indices at a time: a vector validity test, 32-bit lanes, one
// vector gather. Invalid indices: std::invalid_argument as max_unpool2d_scatter's.
// supports(dy shape) refuses output planes with positions beyond the 32-bit lanes of the
// gather (2^31 - 1).
std::string max_unpool2d_backward_gather_supports(const Shape& dy);
void max_unpool2d_backward_gather(const Tensor<float>& x, const Tensor<float>& indices,
                                  const Tensor<float>& dy, const Unpool2dParams& p,
                                  Tensor<float>& dx);
inline constexpr double kMaxUnpool2dBackwardGatherToleranceFactor = 1;  // a copy: exact

// ---- upsampling: y (N, C, output_h, output_w) from x (N, C, H, W) ----

// Source columns (nearest) or source columns and weights (bilinear) precomputed once per
// problem exactly as the reference computes them, then Vc gathers along the output width.
// Bilinear interpolates each needed input row along w once, then blends two such rows.
void upsample2d_vc(const Tensor<float>& x, const Upsample2dParams& p, Tensor<float>& y);
// Nearest copies (exact). Bilinear: float weights (one rounding each) and 6 float operations
// per output, about 7 u per term of M: within the reference's 6 M at eps = 2u.
inline constexpr double kUpsample2dVcToleranceFactor = 1;

// Backward: dx (N, C, H, W) from dy (N, C, output_h, output_w) (x gives the shape), nearest
// and bilinear. Per input, a gather over the range of outputs that read it: a vertical pass in
// Vc vectors along the width, then a horizontal pass (Vc block sums for nearest with an integer
// width scale, else scalar sums over each input's column ranges).
void upsample2d_backward_vc(const Tensor<float>& x, const Tensor<float>& dy,
                            const Upsample2dParams& p, Tensor<float>& dx);
// Nearest: float sums of the dy values meeting at an input, the plain bound. Bilinear: float
// weights and FMA sums of at most the terms of the reference's K = T + 6.
inline constexpr double kUpsample2dBackwardVcToleranceFactor = 1;

}  // namespace convlab
