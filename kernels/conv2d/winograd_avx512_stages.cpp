// The AVX-512 input and output transforms of conv2d_winograd_f2x3_avx512 and
// conv2d_winograd_f4x3_avx512 (winograd_avx512.cpp): the generic stages of winograd_stages.hpp
// on 16-float vectors. Compiled with -mavx512f whatever CONVLAB_ISA selects, and deliberately
// free of Vc and of library calls; every template is instantiated with Avx512Lanes, which lives
// in an anonymous namespace, so no AVX-512 copy of a shared inline function can leak out.
//
// The tile-column transposes keep the tiles in lane order (tile(lane) = lane): a load of 16
// tiles' columns is two rounds of two-source permutes (vpermt2ps), columns m and m+1 are
// columns 0 and 1 shifted by one lane, and the store applies the same permutes
// backwards.
#include <immintrin.h>

#include "kernels/conv2d/winograd_stages.hpp"
#include "kernels/conv2d/winograd_transforms.hpp"

namespace convlab::winograd_detail {
namespace {

struct V16 {
  __m512 v;
};
V16 operator+(V16 a, V16 b) {
  return {_mm512_add_ps(a.v, b.v)};
}
V16 operator-(V16 a, V16 b) {
  return {_mm512_sub_ps(a.v, b.v)};
}
V16 operator*(float s, V16 a) {
  return {_mm512_mul_ps(_mm512_set1_ps(s), a.v)};
}

__m512 perm(__m512 a, __m512i idx, __m512 b) {
  return _mm512_permutex2var_ps(a, idx, b);
}

// r[i] = v[i + 1] for i < 15, r[15] = next: the column of the tiles one position to the right.
__m512 shift_in(__m512 v, float next) {
  const __m512i up = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
  return perm(v, up, _mm512_set1_ps(next));
}

struct Avx512Lanes {
  using V = V16;
  static constexpr std::int64_t lanes = 16;
  static constexpr bool in_order = true;
  static V load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v.v); }
  static V broadcast(float s) { return {_mm512_set1_ps(s)}; }
  // n is 8 in practice (tile slots are a multiple of 8): a 256-bit store then, since masked
  // 512-bit stores are slow on Zen 4 (masked loads are not).
  static __mmask16 first(int n) { return static_cast<__mmask16>((1u << n) - 1); }
  static V load_first(const float* p, int n) { return {_mm512_maskz_loadu_ps(first(n), p)}; }
  static void store_first(float* p, V v, int n) {
    if (n == 8) {
      _mm256_storeu_ps(p, __builtin_shufflevector(v.v, v.v, 0, 1, 2, 3, 4, 5, 6, 7));
    } else {
      _mm512_mask_storeu_ps(p, first(n), v.v);
    }
  }

  // out[j][t] = u[M * t + j] for the 16 tiles t, j < M + 2.
  template <int M, int Count>
  static void load_tile_columns(const float* u, V* out) {
    static_assert(Count == M + 2 && (M == 2 || M == 4));
    if constexpr (M == 2) {
      const __m512 r0 = _mm512_loadu_ps(u), r1 = _mm512_loadu_ps(u + 16);
      const __m512i even =
          _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      const __m512i odd =
          _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
      out[0].v = perm(r0, even, r1);
      out[1].v = perm(r0, odd, r1);
    } else {
      // Per 8 tiles: columns (0 | 2) and (1 | 3) in the two halves; then the halves of tiles
      // 0-7 and 8-15 are joined.
      const __m512 r0 = _mm512_loadu_ps(u), r1 = _mm512_loadu_ps(u + 16);
      const __m512 r2 = _mm512_loadu_ps(u + 32), r3 = _mm512_loadu_ps(u + 48);
      const __m512i c02 =
          _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 2, 6, 10, 14, 18, 22, 26, 30);
      const __m512i c13 =
          _mm512_setr_epi32(1, 5, 9, 13, 17, 21, 25, 29, 3, 7, 11, 15, 19, 23, 27, 31);
      const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const __m512i hi =
          _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
      const __m512 ab02 = perm(r0, c02, r1), ab13 = perm(r0, c13, r1);
      const __m512 cd02 = perm(r2, c02, r3), cd13 = perm(r2, c13, r3);
      out[0].v = perm(ab02, lo, cd02);
      out[1].v = perm(ab13, lo, cd13);
      out[2].v = perm(ab02, hi, cd02);
      out[3].v = perm(ab13, hi, cd13);
    }
    // Columns M and M + 1 of tile t are columns 0 and 1 of tile t + 1.
    out[M].v = shift_in(out[0].v, u[16 * M]);
    out[M + 1].v = shift_in(out[1].v, u[16 * M + 1]);
  }

  // row[M * t + j] = in[j][t] for the 16 tiles t, j < M: the inverse of load_tile_columns.
  template <int M>
  static void store_tile_columns(const V* in, float* row) {
    static_assert(M == 2 || M == 4);
    if constexpr (M == 2) {
      const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const __m512i hi =
          _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      _mm512_storeu_ps(row, perm(in[0].v, lo, in[1].v));
      _mm512_storeu_ps(row + 16, perm(in[0].v, hi, in[1].v));
    } else {
      const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const __m512i hi =
          _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
      // (column 0 | column 2) and (column 1 | column 3) of tiles 0-7 (ab) and 8-15 (cd).
      const __m512 ab02 = perm(in[0].v, lo, in[2].v), cd02 = perm(in[0].v, hi, in[2].v);
      const __m512 ab13 = perm(in[1].v, lo, in[3].v), cd13 = perm(in[1].v, hi, in[3].v);
      // Floats 4t..4t+3 of tiles t in [0, 4) and [4, 8) of each half.
      const __m512i t0 =
          _mm512_setr_epi32(0, 16, 8, 24, 1, 17, 9, 25, 2, 18, 10, 26, 3, 19, 11, 27);
      const __m512i t4 =
          _mm512_setr_epi32(4, 20, 12, 28, 5, 21, 13, 29, 6, 22, 14, 30, 7, 23, 15, 31);
      _mm512_storeu_ps(row, perm(ab02, t0, ab13));
      _mm512_storeu_ps(row + 16, perm(ab02, t4, ab13));
      _mm512_storeu_ps(row + 32, perm(cd02, t0, cd13));
      _mm512_storeu_ps(row + 48, perm(cd02, t4, cd13));
    }
  }
};

}  // namespace

// Constant-initialized: reading them runs no AVX-512 code.
constinit const Stages kAvx512StagesF2x3 = stages_for<F2x3, Avx512Lanes>();
constinit const Stages kAvx512StagesF4x3 = stages_for<F4x3, Avx512Lanes>();

}  // namespace convlab::winograd_detail
