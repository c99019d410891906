// Reference matrix product (GEMM without transposes or accumulation).
//
//   c[i][j] = sum_k a[i][k] * b[k][j]
//
// a is (M, K), b is (K, N), c is (M, N), all row-major. Each sum is accumulated in double and
// rounded once. This is the function every step of the GEMM core (kernels/gemm/) computes; the
// op "gemm" exposes it so the steps are registered and verified like any other op.
#pragma once

#include "core/tensor.hpp"

namespace convlab::ref {

// a: (M, K), b: (K, N) -> (M, N)
template <class T>
Tensor<T> gemm(const Tensor<T>& a, const Tensor<T>& b);

}  // namespace convlab::ref
