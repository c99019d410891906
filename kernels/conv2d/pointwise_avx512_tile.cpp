// The AVX-512 inner loop of conv2d_1x1_avx512 (see pointwise_avx512_tile.hpp). Compiled with
// -mavx512f whatever CONVLAB_ISA selects, and free of library calls for the reason given in
// direct_avx512_row.cpp.
#include <immintrin.h>

#include "kernels/conv2d/pointwise_avx512_tile.hpp"

namespace convlab::conv2d_detail {
namespace {

constexpr int kBlock = static_cast<int>(kPointwiseBlock);

// 8 channels x NV vectors of positions from p0; the last vector stores the lanes of `tail` only
// (the rows of x are readable up to whole vectors). Like the GEMM micro-kernel of
// chapter 14 with B read in place: each input vector feeds 8 FMAs, each broadcast weight NV.
// [docs:pointwise-avx512-tile]
template <int NV>
void tile(const PointwiseArgs& a, std::int64_t p0, __mmask16 tail) {
  __m512 acc[kBlock][NV];
  for (int o = 0; o < kBlock; ++o) {
    for (int v = 0; v < NV; ++v) acc[o][v] = _mm512_set1_ps(a.bias[o]);
  }
  const float* xk = a.x + p0;
  const float* wk = a.wq;
  const std::int64_t K = a.K, ldx = a.ldx, P = a.P;
  for (std::int64_t k = 0; k < K; ++k, xk += ldx, wk += kBlock) {
    __m512 xv[NV];  // whole vectors: the rows are padded (a masked load here made GCC 12 keep
                    // the accumulators in memory, storing each after its FMA)
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_loadu_ps(xk + 16 * v);
    for (int o = 0; o < kBlock; ++o) {
      const __m512 wv = _mm512_set1_ps(wk[o]);
      for (int v = 0; v < NV; ++v) acc[o][v] = _mm512_fmadd_ps(wv, xv[v], acc[o][v]);
    }
  }
  for (int o = 0; o < kBlock; ++o) {
    if (o >= a.ocb) break;  // channels past the block's end had zero weights
    float* yo = a.y + o * P + p0;
    for (int v = 0; v < NV - 1; ++v) _mm512_storeu_ps(yo + 16 * v, acc[o][v]);
    _mm512_mask_storeu_ps(yo + 16 * (NV - 1), tail, acc[o][NV - 1]);
  }
}
// [docs:end]

}  // namespace

void pointwise_avx512_block(const PointwiseArgs& a) {
  constexpr std::int64_t kCols = kPointwiseColumns;
  std::int64_t p = a.p_begin;
  for (; p + kCols <= a.p_end; p += kCols) tile<3>(a, p, static_cast<__mmask16>(0xFFFF));
  const std::int64_t left = a.p_end - p;
  if (left <= 0) return;
  const std::int64_t last = left - (left - 1) / 16 * 16;  // lanes of the last vector, 1..16
  const __mmask16 tail = static_cast<__mmask16>((1u << last) - 1);
  if (left > 32) {
    tile<3>(a, p, tail);
  } else if (left > 16) {
    tile<2>(a, p, tail);
  } else {
    tile<1>(a, p, tail);
  }
}

}  // namespace convlab::conv2d_detail
