// Step 1, gemm_naive: the definition, one dot product per element of C.
//
//   C[i][j] = sum_p op(A)[i][p] * op(B)[p][j]       (+ C[i][j] when accumulating)
//
// Parent: none. Loops i, j, p; the sum is a float accumulated in p order, added to C last.
// When it wins: never on speed; it is the version to read first and the yardstick for the others.
// Cost: no extra memory. For each element the inner loop walks a column of op(B), N floats
// apart when B is not transposed, so almost every load misses the cache on large matrices.
// Accuracy: K - 1 float additions per element: |error| <= ~K * eps * sum |a * b|.
#include <cstdint>

#include "kernels/gemm/detail.hpp"

namespace convlab {

// [docs:gemm-naive]
void gemm_naive(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_naive", p);
  // op(A)[i][p] and op(B)[p][j] in the stored layouts.
  const std::int64_t a_row = p.trans_a ? 1 : p.lda, a_col = p.trans_a ? p.lda : 1;
  const std::int64_t b_row = p.trans_b ? 1 : p.ldb, b_col = p.trans_b ? p.ldb : 1;
  for (std::int64_t i = 0; i < p.M; ++i) {
    for (std::int64_t j = 0; j < p.N; ++j) {
      float sum = 0.0f;
      for (std::int64_t k = 0; k < p.K; ++k) {
        sum += p.A[i * a_row + k * a_col] * p.B[k * b_row + j * b_col];
      }
      float& c = p.C[i * p.ldc + j];
      c = p.accumulate ? c + sum : sum;
    }
  }
}
// [docs:end]

}  // namespace convlab
