// Step 5, gemm_packed_vc_6x16: a register-blocked micro-kernel written with Vc::float_v.
//
//   for k in kc: b0, b1 = B_panel[k][0..8), [8..16)         (2 vector loads)
//                for i in 6: a = broadcast(A_panel[k][i])   (6 broadcasts)
//                            c[i][0] = fma(a, b0, c[i][0]); c[i][1] = fma(a, b1, c[i][1])
//
// Parent: gemm_packed. What it adds: the 6 x 16 tile of C lives in 12 vector registers
// (Vc::float_v is 8 floats with AVX2) for the whole kc loop, and each step of k issues 12
// independent fused multiply-adds against 8 loads. Twelve independent accumulators cover the
// FMA latency (4 cycles) times the two FMA pipes of this CPU, so the pipes never wait on a
// previous result, and the 14 live registers (12 + 2 of B) plus the broadcast fit in AVX2's 16.
// When it wins: every large GEMM on an AVX2 CPU; the portable fast path (gemm() uses it when
// the CPU has no AVX-512). Measured on Zen 4 (bench_gemm, n = 512-1024, one thread): 80-88% of
// the measured AVX2 FMA peak, about 1.5x gemm_packed.
// Cost: as gemm_packed. Accuracy: one rounding per fused multiply-add; the bound of naive holds.
#include <Vc/Vc>
#include <cstdint>

#include "kernels/gemm/packed_driver.hpp"

namespace convlab {
namespace {

using Vc::float_v;

// [docs:gemm-vc-kernel]
struct VcKernel6x16 {
  static constexpr std::int64_t MR = 6, NR = 16;
  static_assert(NR == 2 * float_v::size(), "the 6 x 16 tile is two AVX2 vectors wide");

  static void tile(std::int64_t kc, const float* a, const float* b, float* c, std::int64_t ldc,
                   bool add_c, std::int64_t m, std::int64_t n) {
    // C is needed only after the kc loop; fetch its lines now so the loads overlap the FMAs.
    for (std::int64_t i = 0; i < m; ++i) {
      Vc::prefetchClose(c + i * ldc);
      Vc::prefetchClose(c + i * ldc + NR - 1);
    }
    // Twelve named accumulators rather than an array: GCC keeps an array of Vc vectors on the
    // stack (a load and a store around every FMA), named ones in registers.
    float_v c00 = float_v::Zero(), c01 = float_v::Zero(), c10 = float_v::Zero(),
            c11 = float_v::Zero(), c20 = float_v::Zero(), c21 = float_v::Zero(),
            c30 = float_v::Zero(), c31 = float_v::Zero(), c40 = float_v::Zero(),
            c41 = float_v::Zero(), c50 = float_v::Zero(), c51 = float_v::Zero();
#pragma GCC unroll 4
    for (std::int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
      // The panels stream in from L2; fetching a few steps ahead hides its latency (+5% here).
      Vc::prefetchClose(b + 16 * NR);  // 16 steps of k ahead
      Vc::prefetchClose(a + 8 * MR);   // 8 steps ahead
      const float_v b0(b, Vc::Aligned), b1(b + float_v::size(), Vc::Aligned);
      float_v ai(a[0]);
      c00 = Vc::fma(ai, b0, c00);
      c01 = Vc::fma(ai, b1, c01);
      ai = float_v(a[1]);
      c10 = Vc::fma(ai, b0, c10);
      c11 = Vc::fma(ai, b1, c11);
      ai = float_v(a[2]);
      c20 = Vc::fma(ai, b0, c20);
      c21 = Vc::fma(ai, b1, c21);
      ai = float_v(a[3]);
      c30 = Vc::fma(ai, b0, c30);
      c31 = Vc::fma(ai, b1, c31);
      ai = float_v(a[4]);
      c40 = Vc::fma(ai, b0, c40);
      c41 = Vc::fma(ai, b1, c41);
      ai = float_v(a[5]);
      c50 = Vc::fma(ai, b0, c50);
      c51 = Vc::fma(ai, b1, c51);
    }
    if (m == MR && n == NR) {
      auto store = [&](int i, float_v lo, float_v hi) {
        float* row = c + i * ldc;
        if (add_c) {
          lo += float_v(row, Vc::Unaligned);
          hi += float_v(row + float_v::size(), Vc::Unaligned);
        }
        lo.store(row, Vc::Unaligned);
        hi.store(row + float_v::size(), Vc::Unaligned);
      };
      store(0, c00, c01);
      store(1, c10, c11);
      store(2, c20, c21);
      store(3, c30, c31);
      store(4, c40, c41);
      store(5, c50, c51);
      return;
    }
    // Edge tile: spill the registers and write only the m x n part that lies inside C.
    alignas(64) float t[MR][NR];
    auto spill = [&](int i, float_v lo, float_v hi) {
      lo.store(t[i], Vc::Aligned);
      hi.store(t[i] + float_v::size(), Vc::Aligned);
    };
    spill(0, c00, c01);
    spill(1, c10, c11);
    spill(2, c20, c21);
    spill(3, c30, c31);
    spill(4, c40, c41);
    spill(5, c50, c51);
    for (std::int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (std::int64_t j = 0; j < n; ++j) row[j] = add_c ? row[j] + t[i][j] : t[i][j];
    }
  }
};
// [docs:end]

}  // namespace

namespace gemm_detail {
void packed_vc_6x16_run(const GemmProblem& p, int threads, const float* a_whole,
                        const GemmBSource* b_source) {
  packed_gemm<VcKernel6x16>(p, kPackedVcTiling, threads, a_whole, b_source);
}
void packed_vc_6x16_pack_a(const GemmProblem& p, float* dst) {
  pack_a_whole<VcKernel6x16::MR>(p, kPackedVcTiling.kc, dst);
}
}  // namespace gemm_detail

void gemm_packed_vc_6x16(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_packed_vc_6x16", p);
  gemm_detail::packed_vc_6x16_run(p, 1);
}

}  // namespace convlab
