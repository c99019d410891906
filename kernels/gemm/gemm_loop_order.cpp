// Step 2, gemm_loop_order: the same sums with the loops in i, p, j order.
//
//   for i: C[i][:] = 0 (unless accumulating); for p: C[i][:] += op(A)[i][p] * op(B)[p][:]
//
// Parent: gemm_naive. What it adds: the inner loop now runs along a row of op(B) and a row of C,
// both unit stride, with op(A)[i][p] fixed, so every cache line loaded is used in full and the
// compiler vectorizes the loop (8 or 16 floats per instruction).
// When it wins: over naive as soon as a row of B no longer fits in L1 (N beyond a few hundred).
// With trans_b the rows of op(B) are columns of the stored B, so the inner loop strides by ldb
// again; packing (gemm_packed) removes that.
// Cost: no extra memory. C's row is read and written K times: the loop is bound by L1/L2
// bandwidth, not by arithmetic. Accuracy: like naive (the sum for each element is still taken in
// p order, now starting from C when accumulating).
#include <cstdint>

#include "kernels/gemm/detail.hpp"

namespace convlab {

// [docs:gemm-loop-order]
void gemm_loop_order(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_loop_order", p);
  for (std::int64_t i = 0; i < p.M; ++i) {
    float* c = p.C + i * p.ldc;
    if (!p.accumulate) {
      for (std::int64_t j = 0; j < p.N; ++j) c[j] = 0.0f;
    }
    for (std::int64_t k = 0; k < p.K; ++k) {
      const float a = p.trans_a ? p.A[k * p.lda + i] : p.A[i * p.lda + k];
      if (p.trans_b) {
        const float* b = p.B + k;  // column k of the stored N x K matrix
        for (std::int64_t j = 0; j < p.N; ++j) c[j] += a * b[j * p.ldb];
      } else {
        const float* b = p.B + k * p.ldb;  // row k, unit stride
        for (std::int64_t j = 0; j < p.N; ++j) c[j] += a * b[j];
      }
    }
  }
}
// [docs:end]

}  // namespace convlab
