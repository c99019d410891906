// Tolerance factors shared by many variants (DESIGN.md: |y - y_ref| <= abs + factor * eps * K * M).
#pragma once

namespace convlab {

// The tolerance factor of a variant whose outputs are each one float dot product of the
// original inputs and weights (direct, im2col/GEMM, depthwise, ...), in any summation order.
// Derivation: the case's inputs are given in double and rounded to float before the run, which
// moves each product x*w by up to 2u|x*w| (u = eps/2), i.e. eps * M in total; the K-term float
// sum adds up to K*u*M. So |y - y_ref| <= (1 + K/2) eps M <= 1.5 * eps * K * M for every K >= 1
// (the worst case is K = 1: one in-range tap, the rest of the window in the padding).
inline constexpr double kDotProductToleranceFactor = 1.5;

}  // namespace convlab
