// Internals shared by the GEMM steps: problem validation, scratch memory, the tilings, and the
// packed kernels with a thread count (so gemm_threaded reuses a serial step's exact blocking).
// Not part of the interface: other kernels include gemm.hpp only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernels/gemm/gemm.hpp"

namespace convlab::gemm_detail {

// Throws std::invalid_argument "<op>: <argument> must be ..., got <value>" for an invalid
// problem (see gemm.hpp for the rules).
void check_problem(std::string_view op, const GemmProblem& p);
// The part of check_problem about op(A) alone: M, K and A, lda, trans_a.
void check_a(std::string_view op, const GemmProblem& p);

// A 64-byte aligned scratch area of at least `floats` floats, owned by the calling thread and
// reused by later calls (slot 0: the packed B panel, slot 1: the packed A block). Defined in
// gemm.cpp, compiled for the baseline ISA, so the AVX-512 translation unit needs no allocator
// code of its own.
float* scratch(int slot, std::size_t floats);

// Tile and cache-block sizes of each step, chosen by measurement on the development machine (AMD
// EPYC Zen 4: 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3; bench/bench_gemm.cpp). The textbook
// rule puts the kc x nr micro-panel of B in L1, the mc x kc block of A in L2 and the kc x nc
// panel of B in L3. Measured here, a larger kc won instead: each kc block costs one read and
// write of the C tile, while the micro-kernels need only 7-15 bytes per cycle from the caches,
// which L2 delivers. The A block (mc x kc: 216 KiB for Vc, 336 KiB for AVX-512) stays in L2.
inline constexpr GemmTiling kBlockedTiling{.mr = 0, .nr = 0, .mc = 64, .kc = 256, .nc = 512};
inline constexpr GemmTiling kPackedTiling{.mr = 6, .nr = 16, .mc = 144, .kc = 384, .nc = 2048};
inline constexpr GemmTiling kPackedVcTiling{.mr = 6, .nr = 16, .mc = 144, .kc = 384, .nc = 2048};
inline constexpr GemmTiling kPackedAvx512Tiling{
    .mr = 14, .nr = 32, .mc = 168, .kc = 512, .nc = 2048};

// The packed Vc and AVX-512 steps run with `threads` OpenMP threads (1: no parallel region).
// The result does not depend on `threads`. The AVX-512 ones must only be called when
// cpu_has_avx512() is true. a_whole: op(A) already packed by the step's *_pack_a (p.A unread);
// b_source: op(B)'s panels from b_source (p.B unread).
void packed_vc_6x16_run(const GemmProblem& p, int threads, const float* a_whole = nullptr,
                        const GemmBSource* b_source = nullptr);
void packed_avx512_14x32_run(const GemmProblem& p, int threads, const float* a_whole = nullptr,
                             const GemmBSource* b_source = nullptr);
// All of op(A) into dst (round_up(M, MR) * K floats) in the step's micro-panel order.
void packed_vc_6x16_pack_a(const GemmProblem& p, float* dst);
void packed_avx512_14x32_pack_a(const GemmProblem& p, float* dst);

}  // namespace convlab::gemm_detail
