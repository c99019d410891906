// Step 6, gemm_packed_avx512_14x32: the micro-kernel in AVX-512 intrinsics.
//
//   for k in kc: b0, b1 = B_panel[k][0..16), [16..32)        (2 zmm loads)
//                for i in 14: a = broadcast(A_panel[k][i])   (14 broadcasts)
//                             c[i][0] = fma(a, b0, c[i][0]); c[i][1] = fma(a, b1, c[i][1])
//
// Parent: gemm_packed_vc_6x16. What it adds: 16-float vectors and 32 registers (Vc 1.4 stops at
// AVX2). A 14 x 32 tile of C takes 28 zmm registers, plus 2 for B and 1 for the broadcast: 28
// FMAs per step of k against 16 loads, more than twice the work per load of the 6 x 16 tile,
// so both packed panels can stream from L2 (the B micro-panel is 64 KiB at kc = 512) without
// starving the FMA pipes.
// Edge tiles need no spill: masked loads and stores (__mmask16) touch only the n valid columns.
// When it wins: on AVX-512 CPUs. Whether a 512-bit FMA does twice the work of a 256-bit one per
// cycle depends on the core: on Zen 4 it does not (bench_gemm measures both peaks at ~117
// GFLOP/s), so here the gain over the Vc step is only the larger tile: 84-87% of peak against
// 80-88%, 1.0-1.2x, at n = 512-1024 on one thread.
// Cost: as gemm_packed; scratch sized for the 14-row panels. Accuracy: as gemm_packed_vc_6x16.
//
// This file is compiled with -mavx512f -mavx512dq -mfma whatever the rest of the build targets
// (kernels/gemm/CMakeLists.txt). It is entered only from gemm.cpp after cpu_has_avx512(); it
// must not define or use inline functions or templates that other translation units also
// instantiate (those copies would carry AVX-512 code into the baseline steps).
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/packed_driver.hpp"

namespace convlab {
namespace {

struct Avx512Kernel14x32 {
  static constexpr std::int64_t MR = 14, NR = 32;

  static void tile(std::int64_t kc, const float* a, const float* b, float* c, std::int64_t ldc,
                   bool add_c, std::int64_t m, std::int64_t n) {
    // C is needed only after the kc loop; fetch its lines now so the loads overlap the FMAs.
    for (int i = 0; i < MR; ++i) {
      if (i >= m) break;
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
    __m512 acc[MR][2];
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
#pragma GCC unroll 4
    for (std::int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
      // The panels stream in from L2; fetching a few steps ahead hides its latency (+5% here).
      _mm_prefetch(reinterpret_cast<const char*>(b + 16 * NR), _MM_HINT_T0);  // 16 steps ahead
      _mm_prefetch(reinterpret_cast<const char*>(b + 16 * NR + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a + 8 * MR), _MM_HINT_T0);  // 8 steps ahead
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 14
      for (int i = 0; i < MR; ++i) {
        const __m512 ai = _mm512_set1_ps(a[i]);
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      }
    }
    // Columns [0, 16) and [16, 32) that lie inside C.
    const __mmask16 m0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
    const __mmask16 m1 = n >= 32  ? __mmask16(0xFFFF)
                         : n > 16 ? __mmask16((1u << (n - 16)) - 1)
                                  : __mmask16(0);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      if (i >= m) break;
      float* row = c + i * ldc;
      if (add_c) {
        acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(m0, row));
        acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(m1, row + 16));
      }
      _mm512_mask_storeu_ps(row, m0, acc[i][0]);
      _mm512_mask_storeu_ps(row + 16, m1, acc[i][1]);
    }
  }
};

}  // namespace

namespace gemm_detail {
void packed_avx512_14x32_run(const GemmProblem& p, int threads, const float* a_whole,
                             const GemmBSource* b_source) {
  packed_gemm<Avx512Kernel14x32>(p, kPackedAvx512Tiling, threads, a_whole, b_source);
}
void packed_avx512_14x32_pack_a(const GemmProblem& p, float* dst) {
  pack_a_whole<Avx512Kernel14x32::MR>(p, kPackedAvx512Tiling.kc, dst);
}
}  // namespace gemm_detail

}  // namespace convlab
