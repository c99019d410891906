// The loops around a micro-kernel, shared by every packed step (gemm_packed, gemm_packed_vc_6x16,
// gemm_packed_avx512_14x32, gemm_threaded): five loops in the order of Goto's algorithm.
//
//   for jc in N by nc:                     B panel kc x nc           -> L3
//     for pc in K by kc:                   pack B(pc.., jc..) into nr-wide micro-panels
//       for ic in M by mc:                 pack A(ic.., pc..) into mr-tall micro-panels -> L2
//         for jr in nc by nr:              one B micro-panel kc x nr -> L1
//           for ir in mc by mr:            micro-kernel: C(mr x nr) (+)= A(mr x kc) B(kc x nr)
//
// Packing copies op(A) and op(B) once per block into the order the micro-kernel reads them
// (zero-filled past the matrix edge), so the transposes cost nothing inside the hot loop and
// every load there is unit stride. The micro-kernel sums kc products per element in registers,
// starting from zero, then writes C = sum (first kc block, no accumulate) or C = C + sum.
//
// Only the kc blocking decides the order of the additions of an element; mc, nc and the thread
// that runs a block do not. So with threads the result is bit-identical for any thread count.
//
// Everything here is in an unnamed namespace on purpose: each step's translation unit gets its
// own copy compiled with its own flags. A shared (weak, inline) instantiation compiled with
// -mavx512f could otherwise be picked by the linker for the baseline steps too and crash on a
// CPU without AVX-512. For the same reason this header uses no standard-library templates.
//
// A Kernel provides: static constexpr std::int64_t MR, NR; and
//   static void tile(std::int64_t kc, const float* a, const float* b, float* c, std::int64_t ldc,
//                    bool add_c, std::int64_t m, std::int64_t n);
// a: packed MR x kc micro-panel (MR values per k), b: packed kc x NR micro-panel (NR values per
// k, 64-byte aligned), c: the tile of C, of which only the top-left m x n is written.
#pragma once

#include <cstdint>

#include "kernels/gemm/detail.hpp"

namespace convlab::gemm_detail {
namespace {

inline std::int64_t min_i64(std::int64_t a, std::int64_t b) {
  return a < b ? a : b;
}
inline std::int64_t round_up(std::int64_t a, std::int64_t to) {
  return (a + to - 1) / to * to;
}

// op(A)(ic.., pc..), mb x kb, into micro-panels of MR rows: dst[panel][k][i], zero rows past mb.
template <std::int64_t MR>
void pack_a(const GemmProblem& p, std::int64_t ic, std::int64_t pc, std::int64_t mb,
            std::int64_t kb, float* dst) {
  if (p.trans_a) {
    // Stored K x M: walk A row by row (one sequential stream), handing MR floats of each row
    // to every micro-panel.
    for (std::int64_t k = 0; k < kb; ++k) {
      const float* src = p.A + (pc + k) * p.lda + ic;
      for (std::int64_t ir = 0; ir < mb; ir += MR) {
        const std::int64_t rows = min_i64(MR, mb - ir);
        float* out = dst + ir * kb + k * MR;
        if (rows == MR) {
          for (std::int64_t i = 0; i < MR; ++i) out[i] = src[ir + i];  // fixed length
        } else {
          for (std::int64_t i = 0; i < rows; ++i) out[i] = src[ir + i];
          for (std::int64_t i = rows; i < MR; ++i) out[i] = 0.0f;
        }
      }
    }
    return;
  }
  // Stored M x K: row i of op(A) is contiguous in k. MR rows are read side by side, so each k
  // gives one contiguous MR-float write.
  for (std::int64_t ir = 0; ir < mb; ir += MR) {
    const std::int64_t rows = min_i64(MR, mb - ir);
    const float* src = p.A + (ic + ir) * p.lda + pc;
    float* out = dst + ir * kb;
    if (rows == MR) {
      // A 16-wide strip of each row is read with vector loads into a small local block,
      // then written out transposed.
      std::int64_t k = 0;
      for (; k + 16 <= kb; k += 16) {
        float strip[MR][16];
        for (std::int64_t i = 0; i < MR; ++i) {
          for (std::int64_t kk = 0; kk < 16; ++kk) strip[i][kk] = src[i * p.lda + k + kk];
        }
        for (std::int64_t kk = 0; kk < 16; ++kk) {
          for (std::int64_t i = 0; i < MR; ++i) out[(k + kk) * MR + i] = strip[i][kk];
        }
      }
      for (; k < kb; ++k) {
        for (std::int64_t i = 0; i < MR; ++i) out[k * MR + i] = src[i * p.lda + k];
      }
    } else {
      for (std::int64_t k = 0; k < kb; ++k) {
        for (std::int64_t i = 0; i < rows; ++i) out[k * MR + i] = src[i * p.lda + k];
        for (std::int64_t i = rows; i < MR; ++i) out[k * MR + i] = 0.0f;
      }
    }
  }
}

// The NR-wide micro-panels [first, last) of op(B)(pc.., jc..), kb x nb: dst[panel][k][j], zero
// columns past nb.
template <std::int64_t NR>
void pack_b(const GemmProblem& p, std::int64_t pc, std::int64_t jc, std::int64_t kb,
            std::int64_t nb, std::int64_t first, std::int64_t last, float* dst) {
  if (!p.trans_b) {
    // Stored K x N: walk B row by row (one sequential stream, which the hardware prefetcher
    // follows), handing NR floats of each row to every micro-panel. Walking one panel at a
    // time instead would read B down its columns, a page per row.
    for (std::int64_t k = 0; k < kb; ++k) {
      const float* src = p.B + (pc + k) * p.ldb + jc;
      for (std::int64_t panel = first; panel < last; ++panel) {
        const std::int64_t jr = panel * NR;
        const std::int64_t cols = min_i64(NR, nb - jr);
        float* out = dst + jr * kb + k * NR;
        if (cols == NR) {
          for (std::int64_t j = 0; j < NR; ++j) out[j] = src[jr + j];  // fixed length
        } else {
          for (std::int64_t j = 0; j < cols; ++j) out[j] = src[jr + j];
          for (std::int64_t j = cols; j < NR; ++j) out[j] = 0.0f;
        }
      }
    }
    return;
  }
  // Stored N x K: column j of op(B) is row j of B, contiguous in k. NR rows are read side by
  // side, so each k gives one contiguous NR-float write.
  for (std::int64_t panel = first; panel < last; ++panel) {
    const std::int64_t jr = panel * NR;
    const std::int64_t cols = min_i64(NR, nb - jr);
    const float* src = p.B + (jc + jr) * p.ldb + pc;
    float* out = dst + jr * kb;
    for (std::int64_t k = 0; k < kb; ++k) {
      for (std::int64_t j = 0; j < cols; ++j) out[k * NR + j] = src[j * p.ldb + k];
      for (std::int64_t j = cols; j < NR; ++j) out[k * NR + j] = 0.0f;
    }
  }
}

// All of op(A), packed once for gemm(const GemmPackedA&, ...): for each kc block of K (pc =
// 0, kc, ...), every MR-row micro-panel of op(A) in turn, so the block that packed_gemm would
// pack for (ic, pc) starts at pc * round_up(M, MR) + ic * kb, whatever mc is.
template <std::int64_t MR>
void pack_a_whole(const GemmProblem& p, std::int64_t kc, float* dst) {
  const std::int64_t rows = round_up(p.M, MR);
  for (std::int64_t pc = 0; pc < p.K; pc += kc) {
    pack_a<MR>(p, 0, pc, p.M, min_i64(kc, p.K - pc), dst + pc * rows);
  }
}

// One mb x nb block of C from a packed A block and a packed B panel.
template <class Kernel>
void macro_kernel(const float* a_pack, const float* b_pack, float* c, std::int64_t ldc,
                  std::int64_t mb, std::int64_t nb, std::int64_t kb, bool add_c) {
  for (std::int64_t jr = 0; jr < nb; jr += Kernel::NR) {
    const std::int64_t n = min_i64(Kernel::NR, nb - jr);
    for (std::int64_t ir = 0; ir < mb; ir += Kernel::MR) {
      Kernel::tile(kb, a_pack + ir * kb, b_pack + jr * kb, c + ir * ldc + jr, ldc, add_c,
                   min_i64(Kernel::MR, mb - ir), n);
    }
  }
}

// C (+)= op(A) op(B) with tiling t. threads > 1 splits the row blocks of C (and the packing of
// each B panel) over an OpenMP team; each block of C is still computed by exactly one thread.
// a_whole: op(A) already packed by pack_a_whole<MR> with t.kc (p.A is then not read), or null.
// b_source: op(B)'s panels written by b_source->pack (p.B is then not read), or null.
template <class Kernel>
void packed_gemm(const GemmProblem& p, const GemmTiling& t, int threads,
                 const float* a_whole = nullptr, const GemmBSource* b_source = nullptr) {
  constexpr std::int64_t MR = Kernel::MR, NR = Kernel::NR;
  const std::int64_t kc = t.kc, nc = t.nc;
  // With threads, shrink the row block so every thread gets one; this does not change results.
  std::int64_t mc = t.mc;
  if (threads > 1) mc = min_i64(mc, round_up((p.M + threads - 1) / threads, MR));
  const std::int64_t kc_used = min_i64(kc, p.K);
  float* b_pack = scratch(0, static_cast<std::size_t>(kc_used * round_up(min_i64(nc, p.N), NR)));
  const std::size_t a_floats = static_cast<std::size_t>(kc_used * round_up(min_i64(mc, p.M), MR));

  // Micro-panels [first, last) of the B panel at (pc, jc), from B or from b_source.
  auto pack_b_panels = [&](std::int64_t pc, std::int64_t jc, std::int64_t kb, std::int64_t nb,
                           std::int64_t first, std::int64_t last) {
    if (b_source == nullptr) {
      pack_b<NR>(p, pc, jc, kb, nb, first, last, b_pack);
      return;
    }
    const std::int64_t j0 = first * NR;
    b_source->pack(b_source->context, pc, jc + j0, kb, min_i64(nb - j0, (last - first) * NR), NR,
                   b_pack + j0 * kb);
  };

  auto row_block = [&](std::int64_t ic, std::int64_t jc, std::int64_t pc, std::int64_t nb,
                       std::int64_t kb, bool add_c) {
    const std::int64_t mb = min_i64(mc, p.M - ic);
    if (a_whole != nullptr) {
      const float* a_pack = a_whole + pc * round_up(p.M, MR) + ic * kb;
      macro_kernel<Kernel>(a_pack, b_pack, p.C + ic * p.ldc + jc, p.ldc, mb, nb, kb, add_c);
      return;
    }
    float* a_pack = scratch(1, a_floats);
    pack_a<MR>(p, ic, pc, mb, kb, a_pack);
    macro_kernel<Kernel>(a_pack, b_pack, p.C + ic * p.ldc + jc, p.ldc, mb, nb, kb, add_c);
  };

  if (threads <= 1) {
    for (std::int64_t jc = 0; jc < p.N; jc += nc) {
      const std::int64_t nb = min_i64(nc, p.N - jc);
      for (std::int64_t pc = 0; pc < p.K; pc += kc) {
        const std::int64_t kb = min_i64(kc, p.K - pc);
        const bool add_c = p.accumulate || pc > 0;
        pack_b_panels(pc, jc, kb, nb, 0, (nb + NR - 1) / NR);
        for (std::int64_t ic = 0; ic < p.M; ic += mc) row_block(ic, jc, pc, nb, kb, add_c);
      }
    }
    return;
  }

#pragma omp parallel num_threads(threads)
  for (std::int64_t jc = 0; jc < p.N; jc += nc) {
    const std::int64_t nb = min_i64(nc, p.N - jc);
    for (std::int64_t pc = 0; pc < p.K; pc += kc) {
      const std::int64_t kb = min_i64(kc, p.K - pc);
      const bool add_c = p.accumulate || pc > 0;
      const std::int64_t panels = (nb + NR - 1) / NR;
      // The implicit barrier after each `omp for` keeps the shared B panel intact until every
      // thread is done with it.
#pragma omp for schedule(static)
      for (std::int64_t panel = 0; panel < panels; ++panel) {
        pack_b_panels(pc, jc, kb, nb, panel, panel + 1);
      }
#pragma omp for schedule(static)
      for (std::int64_t ic = 0; ic < p.M; ic += mc) row_block(ic, jc, pc, nb, kb, add_c);
    }
  }
}

}  // namespace
}  // namespace convlab::gemm_detail
