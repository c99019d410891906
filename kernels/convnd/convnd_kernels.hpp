// The optimized conv1d and conv3d variants (float32, NCL / NCDHW at the interface, zero
// padding, every stride, asymmetric padding, dilation and groups of the reference, optional
// bias). Every kernel works on one 3-D geometry (convnd_common.hpp): conv1d is conv3d with
// depth and height one, so each algorithm is written once and has a conv1d and a conv3d entry:
//
//   // x: (N, C_in, L) or (N, C_in, D, H, W), w: (C_out, C_in / groups, K) or
//   // (C_out, C_in / groups, KD, KH, KW), b: empty or (C_out); y preallocated with the output
//   // shape, every element written.
//   void conv<1|3>d_<algo>(x, w, b, p, y);
//   std::string conv<1|3>d_<algo>_supports(p, x_shape, w_shape);  // "" or why not
//
// Invalid shapes throw std::invalid_argument from the shape module, as for the reference; a
// problem supports() refuses throws std::invalid_argument with that reason. Nothing falls back
// silently to another algorithm.
//
// Threads: OpenMP over independent outputs only (samples and groups, or output lines), each
// output computed by one thread in a fixed order, so the result does not depend on the number
// of threads.
//
// Tolerance (DESIGN.md): |y - y_ref| <= factor * eps(float) * K * M, K = the number of terms
// behind the element (taps inside the input, plus the bias), M = sum |x * w| + |b| over them.
// A float dot product of K terms (FMA or not) is within K * u * M, u = eps / 2. But the verify
// engine and the random tests give inputs in double, rounded to float before the kernel runs:
// that perturbs each product by up to 2u |x w| more, so the bound is (K + 2) u M, which is at
// most K * eps * M only for K >= 2. An output whose window holds a single input element (a
// corner, a 1-tap depthwise kernel) has K = 1 and a bound of 1.5 eps M: measured 1.0 to 1.1
// times eps K M in tests/test_registry_random.cpp. Hence factor 2 for every variant here,
// for the same reason as the reference variants' 2 (kernels/registry.cpp).
#pragma once

#include <string>

#include "core/params.hpp"
#include "core/tensor.hpp"
#include "kernels/tolerance.hpp"

namespace convlab {

// ---- lowering to the GEMM core (kernels/gemm) ----

// Per sample and group a column buffer (C_in/G * taps) x (output positions), then
// y_g (C_out/G x positions) = b + w_g (C_out/G x C_in/G * taps) * col through gemm().
void conv1d_im2col_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                        const Conv1dParams& p, Tensor<float>& y);
std::string conv1d_im2col_gemm_supports(const Conv1dParams& p, const Shape& x, const Shape& w);
void conv3d_vol2col_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv3dParams& p, Tensor<float>& y);
std::string conv3d_vol2col_gemm_supports(const Conv3dParams& p, const Shape& x, const Shape& w);
// gemm() sums each output as a float dot product (in blocks of k) onto C prefilled with the
// bias: K terms in some order, plus the rounding of the inputs (see above).
inline constexpr double kConvNdGemmToleranceFactor = kDotProductToleranceFactor;

// ---- direct, no column buffer ----

// Register tiles of Vc::float_v. stride_w == 1 and W_out >= 2 vectors: vectors along the output
// width (6 output channels x 2 vectors of columns, from padded copies of the input lines);
// otherwise vectors along the output channels (2 vectors of channels x 6 columns, any stride).
void conv1d_direct_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      const Conv1dParams& p, Tensor<float>& y);
std::string conv1d_direct_vc_supports(const Conv1dParams& p, const Shape& x, const Shape& w);
void conv3d_direct_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      const Conv3dParams& p, Tensor<float>& y);
std::string conv3d_direct_vc_supports(const Conv3dParams& p, const Shape& x, const Shape& w);
// One float dot product per output, FMA in (ic, kd, kh, kw) order from the bias, plus the
// rounding of the inputs (see above).
inline constexpr double kConvNdDirectVcToleranceFactor = kDotProductToleranceFactor;

// ---- backward by GEMM ----

// dy: the output's shape; dx, dw preallocated with the shapes of x and w, db empty (no bias)
// or (C_out). Per sample and group:
//   dcol (K x P) = w_g^T (K x C_out/G) * dy_g (C_out/G x P), then dx_g = col2vol(dcol);
//   dw_g (C_out/G x K) += dy_g (C_out/G x P) * col^T (P x K), summed over the samples in order;
//   db[oc] = sum over samples and positions of dy[n][oc] (double, rounded once).
void conv1d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          const Conv1dParams& p, Tensor<float>& dx, Tensor<float>& dw,
                          Tensor<float>& db);
void conv3d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          const Conv3dParams& p, Tensor<float>& dx, Tensor<float>& dw,
                          Tensor<float>& db);
// dx: a float dot product of C_out/G terms per column entry, then col2vol adds at most
// KD*KH*KW of them per input element: nested float sums of fewer than K terms in all. dw: the
// GEMM's dot product over P positions, accumulated sample after sample. Nested sums of K terms
// round at most K - 1 times: the dot-product bound, plus the rounding of the inputs (see above;
// measured 1.1 times eps K M on an input element reached by a single tap).
inline constexpr double kConvNdBackwardGemmToleranceFactor = kDotProductToleranceFactor;

}  // namespace convlab
