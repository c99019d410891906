// The optimized variants of linear, the activations and flatten (float32). Each variant is one
// file in kernels/dense/ and a kernel function here; register.cpp turns them into registry
// entries (the GEMM core's steps are registered there too, straight from gemm_steps()).
//
// Kernels take the op table's tensors (core/ops.hpp) and write every element of their
// preallocated outputs. A problem a variant does not handle is refused by its *_supports()
// with a reason; running it anyway throws std::invalid_argument with that reason. Invalid
// shapes throw from the shape module (core/shape.hpp), as for the reference.
//
// Tolerance: |y - y_ref| <= factor * eps(float) * K * M element-wise (DESIGN.md). For sums of
// products (linear, its backward pass) K * M is the classic bound of a dot product: K terms in
// any order with or without FMA stay within K * (eps / 2) * M, and the inputs' own rounding to
// float adds up to eps * M once more (the reason the float reference declares 2). For the
// element-wise functions K * M is error_scale()'s 4 |y| + |x f'(x)| (reference/dispatch.cpp);
// the factors below are derived from the measured error of exp_vc (exp_vc.hpp) and say how.
#pragma once

#include <functional>
#include <string>

#include "core/params.hpp"
#include "core/tensor.hpp"
#include "kernels/tolerance.hpp"

namespace convlab {

// ---- linear: x (N, in), w (out, in), b: empty or (out) -> y (N, out) ----

// Batch 1 only: y[o] = b[o] + dot(x, w[o]), Vc vectors along the input features, four rows of
// w per pass so each loaded vector of x feeds four dot products. OpenMP over blocks of outputs.
void linear_gemv_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                    Tensor<float>& y);
std::string linear_gemv_vc_supports(const Shape& x, const Shape& w);
// Each output is one float dot product (lane-wise partial sums, then the lanes added): K terms
// in some order, plus the rounding of the inputs to float.
inline constexpr double kLinearGemvVcToleranceFactor = kDotProductToleranceFactor;

// Any batch: y^T = w x^T through the GEMM core (w as the row-major A, x transposed once), then
// transposed into y with + b. OpenMP over fixed blocks of output features, so the result does
// not depend on the thread count.
void linear_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                 Tensor<float>& y);
// A linear layer whose weights were prepared once (Variant::prepare): y from x and b.
using LinearPreparedRun =
    std::function<void(const Tensor<float>& x, const Tensor<float>& b, Tensor<float>& y)>;
// w's blocks packed for the GEMM once; x only gives the shapes to check.
LinearPreparedRun linear_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                      const Tensor<float>& b);
// The GEMM's blocked float dot product, and the bias added last as one more term.
inline constexpr double kLinearGemmToleranceFactor = kDotProductToleranceFactor;

// Backward through the GEMM core, dy: (N, out):
//   dx = dy w          (N, in)   GEMM M = N,   N = in, K = out
//   dw = dy^T x        (out, in) GEMM M = out, N = in, K = N (dy read transposed in place)
//   db = column sums of dy (out), when db is given (non-empty)
void linear_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          Tensor<float>& dx, Tensor<float>& dw, Tensor<float>& db);
inline constexpr double kLinearBackwardGemmToleranceFactor = kDotProductToleranceFactor;

// ---- element-wise activations with Vc: x (any shape) -> y (same shape) ----
// The backward passes take the op table's inputs x and dy (not y) and give dx.

// y = x if x > 0, else +0; NaN stays NaN. Exact.
void relu_vc(const Tensor<float>& x, Tensor<float>& y);
// dx = dy if x > 0, 0 if x <= 0, NaN if x is NaN. Exact.
void relu_backward_vc(const Tensor<float>& x, const Tensor<float>& dy, Tensor<float>& dx);

// e = exp_vc(-|x|), s = 1 / (1 + e); y = s for x >= 0 and e * s for x < 0 (no cancellation,
// no overflow).
void sigmoid_vc(const Tensor<float>& x, Tensor<float>& y);
// dx = dy * sigmoid'(x) with sigmoid'(x) = e / (1 + e)^2 = e * s * s, e = exp_vc(-|x|): no
// 1 - y cancellation near saturation.
void sigmoid_backward_vc(const Tensor<float>& x, const Tensor<float>& dy, Tensor<float>& dx);

// |x| < 1/8: the odd Taylor polynomial x - x^3/3 + 2x^5/15 - 17x^7/315 (next term below
// 2e-9 relative); else t = exp_vc(-2|x|), y = sign(x) (1 - t) / (1 + t).
void tanh_vc(const Tensor<float>& x, Tensor<float>& y);
// dx = dy * (1 - tanh(x)^2) with 1 - tanh^2 = 4t / (1 + t)^2, t = exp_vc(-2|x|): no
// cancellation near saturation.
void tanh_backward_vc(const Tensor<float>& x, const Tensor<float>& dy, Tensor<float>& dx);

// Tolerance factors of sigmoid_vc, tanh_vc and their backward passes. Derived, not fitted:
// the sweep in tests/test_dense_kernels.cpp (DenseActivations.SweepAgainstErrorScale) measures
// max |y - y_ref| / (eps * scale) over every 97th float of [-88, 88] (and a 1e-5 step); the
// largest ratios measured are written next to each factor, and each factor is that ratio
// rounded up to the next whole number (at least 1), so the verification bound covers every
// float of the sweep.
// Measured (2.4 million floats, stride 997; dy = 1 and -0.75 for the backward passes):
inline constexpr double kSigmoidVcToleranceFactor = 1;          // worst 0.29 (x = -0.995)
inline constexpr double kSigmoidBackwardVcToleranceFactor = 1;  // worst 0.52 (x = -0.0056)
inline constexpr double kTanhVcToleranceFactor = 1;             // worst 0.43 (x = 0.1259)
inline constexpr double kTanhBackwardVcToleranceFactor = 1;     // worst 0.40 (x = 0.00017)

// ---- flatten ----

// y: flatten_output_shape(x, p). One memcpy per sample (per index of the dimensions kept),
// see flatten_copy.cpp for why a copy exists at all.
void flatten_copy(const Tensor<float>& x, const FlattenParams& p, Tensor<float>& y);
// dx: x's shape, dy: flatten_output_shape(x, p); the same copy the other way.
void flatten_backward_copy(const Tensor<float>& x, const Tensor<float>& dy, const FlattenParams& p,
                           Tensor<float>& dx);

}  // namespace convlab
