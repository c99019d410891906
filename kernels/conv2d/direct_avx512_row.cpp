// The AVX-512 inner loop of conv2d_direct_avx512 (see direct_avx512_row.hpp). Compiled with
// -mavx512f whatever CONVLAB_ISA selects, and deliberately free of library calls: an inline
// function instantiated here would be compiled for AVX-512 and could be the copy the linker
// keeps for the whole program.
#include "kernels/conv2d/direct_avx512_row.hpp"

#include <immintrin.h>

namespace convlab::conv2d_detail {
namespace {

constexpr int kBlock = static_cast<int>(kAvx512Block);

// 12 channels x NV vectors of 16 columns from column ow0; the last vector stores the lanes of
// `tail` only (a width tail), the others all 16.
// [docs:direct-avx512-tile]
template <int NV>
void tile(const float* const* rows, std::int64_t n_rows, std::int64_t KW, std::int64_t dw,
          const float* wp, const float* bias, std::int64_t ocb, float* y0, std::int64_t plane,
          std::int64_t ow0, __mmask16 tail) {
  __m512 acc[kBlock][NV];
  for (int o = 0; o < kBlock; ++o) {
    for (int v = 0; v < NV; ++v) acc[o][v] = _mm512_set1_ps(bias[o]);
  }
  for (std::int64_t ick = 0; ick < n_rows; ++ick) {
    const float* r = rows[ick];
    if (r == nullptr) continue;  // a row of zero padding
    const float* wk = wp + ick * KW * kBlock;
    for (std::int64_t kw = 0; kw < KW; ++kw) {
      const float* xp = r + ow0 + kw * dw;
      __m512 xv[NV];
      for (int v = 0; v < NV; ++v) xv[v] = _mm512_loadu_ps(xp + 16 * v);
      for (int o = 0; o < kBlock; ++o) {
        const __m512 wv = _mm512_set1_ps(wk[kw * kBlock + o]);
        for (int v = 0; v < NV; ++v) acc[o][v] = _mm512_fmadd_ps(wv, xv[v], acc[o][v]);
      }
    }
  }
  for (int o = 0; o < kBlock; ++o) {
    if (o >= ocb) break;  // channels past the block's end were computed with zero weights
    for (int v = 0; v < NV; ++v) {
      const __mmask16 mask = v == NV - 1 ? tail : static_cast<__mmask16>(0xFFFF);
      _mm512_mask_storeu_ps(y0 + o * plane + ow0 + 16 * v, mask, acc[o][v]);
    }
  }
}
// [docs:end]

}  // namespace

void direct_avx512_row(const float* const* rows, std::int64_t n_rows, std::int64_t KW,
                       std::int64_t dw, const float* wp, const float* bias, std::int64_t ocb,
                       float* y0, std::int64_t plane, std::int64_t ow_begin, std::int64_t ow_end) {
  std::int64_t ow = ow_begin;
  for (; ow + 32 <= ow_end; ow += 32) {
    tile<2>(rows, n_rows, KW, dw, wp, bias, ocb, y0, plane, ow, 0xFFFF);
  }
  for (; ow < ow_end; ow += 16) {
    const std::int64_t left = ow_end - ow;
    const __mmask16 tail =
        left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    tile<1>(rows, n_rows, KW, dw, wp, bias, ocb, y0, plane, ow, tail);
  }
}

}  // namespace convlab::conv2d_detail
