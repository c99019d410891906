// Internal to kernels/conv2d/: a 16 x 16 float transpose in AVX-512 registers, for the
// translation units compiled with AVX-512 flags only (depthwise_avx512_plane.cpp,
// direct_oc_avx512_row.cpp). In an unnamed namespace so that no copy of it is ever shared
// with code compiled for another ISA.
#pragma once

#include <immintrin.h>

namespace convlab::conv2d_detail {
namespace {

// r[i][j] -> r[j][i] for a 16x16 block of floats: 32-bit then 64-bit interleaves within 128-bit
// lanes give each lane four rows of one column, and two rounds of lane shuffles gather a
// column's four lanes. The zero-masking forms with every lane selected compile to the plain
// instructions; GCC 12's unmasked forms warn about their internal undefined operand.
inline void transpose16(__m512* r) {
  constexpr __mmask16 all = 0xFFFF;
  constexpr __mmask8 all8 = 0xFF;
  __m512 a[16], b[16];
  for (int k = 0; k < 8; ++k) {
    a[2 * k] = _mm512_maskz_unpacklo_ps(all, r[2 * k], r[2 * k + 1]);
    a[2 * k + 1] = _mm512_maskz_unpackhi_ps(all, r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {
    for (int h = 0; h < 2; ++h) {
      const __m512d lo = _mm512_castps_pd(a[4 * k + h]), hi = _mm512_castps_pd(a[4 * k + h + 2]);
      b[4 * k + 2 * h] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, lo, hi));
      b[4 * k + 2 * h + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, lo, hi));
    }
  }
  // b[4k + m], lane L: rows 4k..4k+3 of column 4L + m.
  for (int m = 0; m < 4; ++m) {
    const __m512 c0 = _mm512_maskz_shuffle_f32x4(all, b[m], b[4 + m], 0x88);
    const __m512 c1 = _mm512_maskz_shuffle_f32x4(all, b[m], b[4 + m], 0xDD);
    const __m512 d0 = _mm512_maskz_shuffle_f32x4(all, b[8 + m], b[12 + m], 0x88);
    const __m512 d1 = _mm512_maskz_shuffle_f32x4(all, b[8 + m], b[12 + m], 0xDD);
    r[m] = _mm512_maskz_shuffle_f32x4(all, c0, d0, 0x88);
    r[4 + m] = _mm512_maskz_shuffle_f32x4(all, c1, d1, 0x88);
    r[8 + m] = _mm512_maskz_shuffle_f32x4(all, c0, d0, 0xDD);
    r[12 + m] = _mm512_maskz_shuffle_f32x4(all, c1, d1, 0xDD);
  }
}

}  // namespace
}  // namespace convlab::conv2d_detail
