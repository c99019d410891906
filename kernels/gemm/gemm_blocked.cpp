// Step 3, gemm_blocked: the i, p, j loops of gemm_loop_order, run block by block.
//
//   for jc in N by nc: for pc in K by kc: for ic in M by mc:
//     C[ic.., jc..] += op(A)[ic.., pc..] (mc x kc) * op(B)[pc.., jc..] (kc x nc)   (i, p, j order)
//
// Parent: gemm_loop_order. What it adds: cache blocking. In gemm_loop_order each row of C
// streams the whole of B (K x N floats) through the cache once; here a kc x nc block of B
// (512 KiB with kc = 256, nc = 512) stays in L2 while mc rows of C use it, and the nc-wide row
// segment of C stays in L1 across the kc updates.
// When it wins: once B no longer fits in the caches. Measured here at n = 3072 (B = 36 MiB, more
// than L3): 16 GFLOP/s against 5 for gemm_loop_order. Up to n = 1024 (B fits in L3) the two run
// even, because both inner loops are bound by loading and storing C in L1, which blocking for
// the caches does not change; register blocking (gemm_packed) does.
// Cost: no extra memory. Each element of C is still loaded and stored once per p. Accuracy: like
// gemm_loop_order (each element is still summed in p order).
#include <algorithm>
#include <cstdint>

#include "kernels/gemm/detail.hpp"

namespace convlab {

// [docs:gemm-blocked]
void gemm_blocked(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_blocked", p);
  constexpr GemmTiling t = gemm_detail::kBlockedTiling;
  if (!p.accumulate) {
    for (std::int64_t i = 0; i < p.M; ++i) std::fill_n(p.C + i * p.ldc, p.N, 0.0f);
  }
  for (std::int64_t jc = 0; jc < p.N; jc += t.nc) {
    const std::int64_t j_end = std::min(p.N, jc + t.nc);
    for (std::int64_t pc = 0; pc < p.K; pc += t.kc) {
      const std::int64_t k_end = std::min(p.K, pc + t.kc);
      for (std::int64_t ic = 0; ic < p.M; ic += t.mc) {
        const std::int64_t i_end = std::min(p.M, ic + t.mc);
        for (std::int64_t i = ic; i < i_end; ++i) {
          float* c = p.C + i * p.ldc;
          for (std::int64_t k = pc; k < k_end; ++k) {
            const float a = p.trans_a ? p.A[k * p.lda + i] : p.A[i * p.lda + k];
            if (p.trans_b) {
              const float* b = p.B + k;
              for (std::int64_t j = jc; j < j_end; ++j) c[j] += a * b[j * p.ldb];
            } else {
              const float* b = p.B + k * p.ldb;
              for (std::int64_t j = jc; j < j_end; ++j) c[j] += a * b[j];
            }
          }
        }
      }
    }
  }
}
// [docs:end]

}  // namespace convlab
