// The GEMM core over fixed blocks of C's columns, one OpenMP work item per block: the dense
// kernels' way to use several threads. Internal to kernels/dense/.
//
// Each element of C lies in one block, so one thread computes it with gemm() (the fastest
// single-threaded step); the blocks are fixed (kColumns wide) whatever the number of threads,
// so the result does not depend on it. gemm_threaded splits the rows of C instead, which gives
// nothing to a second thread when M is below its row block (168 rows), as for a linear layer
// with batch 64.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab::dense_detail {

inline void gemm_column_blocks(const GemmProblem& p) {
  constexpr std::int64_t kColumns = 256;  // a multiple of both micro-tile widths, 16 and 32
  const std::int64_t blocks = (p.N + kColumns - 1) / kColumns;
  // A team costs more than it saves below about 128^3 multiply-adds (as in gemm_threaded).
  const bool worth_threads = p.M * p.N * p.K >= 128 * 128 * 128 && blocks > 1;
  parallel_region(worth_threads, [&] {
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      const std::int64_t j0 = blk * kColumns, width = std::min(kColumns, p.N - j0);
      GemmProblem part = p;
      part.N = width;
      // Column j of op(B) starts at B + j (stored K x N) or at row j (stored N x K).
      part.B = p.trans_b ? p.B + j0 * p.ldb : p.B + j0;
      part.C = p.C + j0;
      gemm(part);
    }
  });
}

}  // namespace convlab::dense_detail
