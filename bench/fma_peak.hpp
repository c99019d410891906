// Measured FMA peaks: tight loops of independent fused multiply-adds, one translation unit per
// ISA (each compiled with its own flags). Each returns a value that depends on every FMA so the
// loop cannot be removed; the caller times it. One call performs
// iterations * kFmaPeakChains * lanes * 2 floating-point operations.
#pragma once

#include <cstdint>

namespace convlab::bench {

// Independent accumulator chains per loop iteration: more than FMA latency x FMA pipes (4 x 2
// on current x86 cores), so the loop is bound by FMA throughput, not latency.
inline constexpr int kFmaPeakChains = 12;

// 256-bit (AVX2 + FMA, 8 floats per FMA).
float fma_peak_avx2(std::int64_t iterations);
// 512-bit (AVX-512F, 16 floats per FMA). Call only when the CPU has AVX-512F.
float fma_peak_avx512(std::int64_t iterations);

}  // namespace convlab::bench
