// Step 4, gemm_packed: blocks of A and B packed into micro-panels, a plain C++ micro-kernel.
//
//   C[6 x 16 tile] (+)= A_panel (6 x kc) * B_panel (kc x 16), summed in a local 6 x 16 array
//
// Parent: gemm_blocked. What it adds: the five-loop structure of packed_driver.hpp. Each mc x kc
// block of op(A) and kc x nc panel of op(B) is copied once into the exact order the micro-kernel
// reads it, so the hot loop has unit-stride loads only, whatever the transposes and leading
// dimensions, and no TLB or cache-set conflicts from large strides. The micro-kernel keeps a
// 6 x 16 tile of C in a local array across the whole kc loop, so C is touched once per kc block
// instead of once per p. It is plain C++: what it becomes is the compiler's choice. With the
// loops fully unrolled (the pragmas below) GCC 12 turns the tile into 12 AVX registers and FMAs,
// close to the next step; without them it chose a shuffle-heavy 4-wide vectorization and ran
// ~10x slower. gemm_packed_vc_6x16 makes that register allocation explicit instead of hoped for.
// When it wins: large matrices, and any transposed operand (packing makes transposes free).
// Cost: scratch memory for one B panel (kc x nc floats, 3 MiB) and one A block per thread;
// packing reads A and B once per block. Accuracy: each element sums kc products in the tile,
// then adds that partial sum to C: still K additions in a chain, the same bound as naive.
#include <cstdint>

#include "kernels/gemm/packed_driver.hpp"

namespace convlab {
namespace {

// [docs:gemm-scalar-kernel]
struct ScalarKernel6x16 {
  static constexpr std::int64_t MR = 6, NR = 16;
  static void tile(std::int64_t kc, const float* a, const float* b, float* c, std::int64_t ldc,
                   bool add_c, std::int64_t m, std::int64_t n) {
    float acc[MR][NR] = {};
    for (std::int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
#pragma GCC unroll 6
      for (std::int64_t i = 0; i < MR; ++i) {
#pragma GCC unroll 16
        for (std::int64_t j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
      }
    }
    for (std::int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (std::int64_t j = 0; j < n; ++j) row[j] = add_c ? row[j] + acc[i][j] : acc[i][j];
    }
  }
};
// [docs:end]

}  // namespace

void gemm_packed(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_packed", p);
  gemm_detail::packed_gemm<ScalarKernel6x16>(p, gemm_detail::kPackedTiling, 1);
}

}  // namespace convlab
