// The AVX-512 plane kernels of max_pool2d_avx512 and avg_pool2d_avx512 (pool_avx512.hpp says
// how columns are loaded). Compiled with -mavx512f -mfma whatever CONVLAB_ISA selects; the
// variants check the CPU before calling (pool_avx512_plan.hpp), so nothing here runs elsewhere.
//
// Max: a plane without NaN (one scan decides) and kernel_h * kernel_w <= 16 takes the tap-code
// path (max_block): blocks of 2 output rows x 2 vectors, each input row of the two windows
// loaded (and deinterleaved) once, three operations per tap, no stack traffic. Other planes
// take the general path (max_vectors: NaN rule per tap, index arithmetic per tap).
// Average: stride 1 with kernel_w 2 or 3 sums the window's rows once per 16 columns and shifts
// the sums with valignd (avg_row_shifted); W_out == 1 with windows of whole rows sums one
// contiguous run; the rest as before (avg_row).
#include <immintrin.h>

#include <cstdint>

#include "kernels/pool/pool_avx512.hpp"

namespace convlab::pool_detail {
namespace {

enum class Cols { unit, pair, gather };

// The address of column c of a row, computed through integers: c may lie outside the row
// (its lanes are masked off and never read), where pointer arithmetic would be undefined.
inline const float* at(const float* row, std::int64_t c) {
  return reinterpret_cast<const float*>(reinterpret_cast<std::uintptr_t>(row) +
                                        static_cast<std::uintptr_t>(c * 4));
}

inline __m512 lane_times(std::int64_t s) {
  return _mm512_mul_ps(_mm512_set_ps(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                       _mm512_set1_ps(static_cast<float>(s)));
}

inline __m512i lane_times_epi32(std::int64_t s) {
  return _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                            _mm512_set1_epi32(static_cast<int>(s)));
}

// The sum of the 16 lanes: halves, then quarters, then within 128 bits. (The masked forms
// with every lane set, because GCC 12 warns about the undefined source vector inside the
// unmasked shuffles, extracts and _mm512_reduce_add_ps.)
inline float lane_sum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, 0xFFFF, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, 0xFFFF, v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 q = _mm512_mask_extractf32x4_ps(_mm_setzero_ps(), 0xF, v, 0);
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

// The even and odd elements of the 32 floats a:b.
inline __m512 even_of(__m512 a, __m512 b) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  return _mm512_permutex2var_ps(a, even, b);
}
inline __m512 odd_of(__m512 a, __m512 b) {
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  return _mm512_permutex2var_ps(a, odd, b);
}

// A tap's 16 lanes: masked (lanes outside the input get `fill`) only for the vectors that
// reach past the input; masked loads are measurably slower than plain ones on this hardware
// even with every lane enabled.
template <bool Masked>
inline __m512 load(__m512 fill, std::uint16_t mask, const float* p) {
  if constexpr (Masked) {
    return _mm512_mask_loadu_ps(fill, mask, p);
  } else {
    return _mm512_loadu_ps(p);
  }
}

inline __mmask16 first_lanes(std::int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// The reference's rule, per lane: v replaces best when it is larger, or a NaN over a number.
// !(best >= v) is "v larger, or one of them NaN"; masking with "best is not NaN" keeps the
// first NaN. -inf (padding, masked lanes) therefore never replaces anything.
struct ArgMax {
  __m512 best, index;
  inline void take(__m512 v, __m512 candidate) {
    const __mmask16 ordered = _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
    const __mmask16 t = _mm512_mask_cmp_ps_mask(ordered, best, v, _CMP_NGE_UQ);
    best = _mm512_mask_mov_ps(best, t, v);
    index = _mm512_mask_mov_ps(index, t, candidate);
  }
};

// N vectors of output row oh of a max plane (vector n: columns ow0 + 16 n .. + 15, tap 0 of
// lane 0 at input column c0 + 16 n * stride, load masks m + n * mask_step), taps in the
// reference's row-major order (kh outer, kw inner). N = 2 gives the core two independent
// compare-and-select chains: one chain is latency-bound (two compares and a select per tap).
template <Cols C, bool Masked, int N>
inline void max_vectors(const Avx512Plan& p, const float* x, std::int64_t oh, std::int64_t ow0,
                        std::int64_t c0, const std::uint16_t* m, ArgMax* a) {
  const __m512 minus_inf = _mm512_set1_ps(-__builtin_inff());
  const __m512 lanes = lane_times(p.stride_w);
  const std::int64_t k = p.kernel_w, d = p.dilation_w, mask_step = k * p.loads;
  const std::int64_t col_step = 16 * p.stride_w;
  const __m512 step = _mm512_set1_ps(static_cast<float>(d));
  for (int n = 0; n < N; ++n) {
    a[n] =
        ArgMax{minus_inf, _mm512_add_ps(_mm512_loadu_ps(p.first_col + ow0 + 16 * n),
                                        _mm512_set1_ps(static_cast<float>(p.row_first[oh] * p.W)))};
  }
  for (std::int64_t t = p.row_t_lo[oh]; t < p.row_t_hi[oh]; ++t) {
    const std::int64_t ih = p.row_start[oh] + t * p.dilation_h;
    const float* row = x + ih * p.W;
    // Lane i of tap kw reads column c0 + kw * d + stride * i: its index ih * W + that column
    // (below 2^24 for every lane that can be taken, so exact in float) advances by d per tap.
    __m512 index[N];
    for (int n = 0; n < N; ++n) {
      index[n] =
          _mm512_add_ps(lanes, _mm512_set1_ps(static_cast<float>(ih * p.W + c0 + n * col_step)));
    }
    if constexpr (C == Cols::unit) {
      for (std::int64_t kw = 0; kw < k; ++kw) {
        for (int n = 0; n < N; ++n) {
          a[n].take(
              load<Masked>(minus_inf, m[n * mask_step + kw], at(row, c0 + n * col_step + kw * d)),
              index[n]);
          index[n] = _mm512_add_ps(index[n], step);
        }
      }
    } else if constexpr (C == Cols::pair) {
      for (std::int64_t kw = 0; kw < k;) {
        // Dilation 1: the odd lanes are the next tap, columns c0 + kw + 1 + 2 i.
        const bool both = d == 1 && kw + 1 < k;
        for (int n = 0; n < N; ++n) {
          const float* base = at(row, c0 + n * col_step + kw * d);
          const std::uint16_t* mn = m + n * mask_step + 2 * kw;
          const __m512 lo = load<Masked>(minus_inf, mn[0], base);
          const __m512 hi = load<Masked>(minus_inf, mn[1], base + 16);
          a[n].take(even_of(lo, hi), index[n]);
          index[n] = _mm512_add_ps(index[n], step);
          if (both) {
            a[n].take(odd_of(lo, hi), index[n]);
            index[n] = _mm512_add_ps(index[n], step);
          }
        }
        kw += both ? 2 : 1;
      }
    } else {
      const __m512i gather_index = lane_times_epi32(p.stride_w);
      for (std::int64_t kw = 0; kw < k; ++kw) {
        for (int n = 0; n < N; ++n) {
          a[n].take(_mm512_mask_i32gather_ps(minus_inf, m[n * mask_step + kw], gather_index,
                                             at(row, c0 + n * col_step + kw * d), 4),
                    index[n]);
          index[n] = _mm512_add_ps(index[n], step);
        }
      }
    }
  }
}

template <Cols C>
void max_row(const Avx512Plan& p, const float* x, std::int64_t oh, float* y, float* indices) {
  for (std::int64_t j = 0; j < p.vectors;) {
    const std::int64_t ow0 = j * 16;
    const std::int64_t c0 = ow0 * p.stride_w - p.pad_left;
    const std::uint16_t* m = p.masks + j * p.kernel_w * p.loads;
    ArgMax a[2];
    int n = 1;
    if (j + 1 < p.vectors) {
      n = 2;
      if (p.inside[j] && p.inside[j + 1]) {
        max_vectors<C, false, 2>(p, x, oh, ow0, c0, m, a);
      } else {
        max_vectors<C, true, 2>(p, x, oh, ow0, c0, m, a);
      }
    } else if (p.inside[j]) {
      max_vectors<C, false, 1>(p, x, oh, ow0, c0, m, a);
    } else {
      max_vectors<C, true, 1>(p, x, oh, ow0, c0, m, a);
    }
    for (int i = 0; i < n; ++i) {
      const std::int64_t o = ow0 + 16 * i;
      const __mmask16 out = first_lanes(p.W_out - o);
      _mm512_mask_storeu_ps(y + oh * p.W_out + o, out, a[i].best);
      _mm512_mask_storeu_ps(indices + oh * p.W_out + o, out, a[i].index);
    }
    j += n;
  }
}

// ---- max, tap-code form (planes without NaN, kernel_h * kernel_w <= 16) ----
//
// Without NaN the reference's rule is "replace when strictly larger": one compare into a mask,
// best = max(v, best) (which keeps best on equality, so -0 after +0 stays +0), and the tap's
// code t * kernel_w + kw moved into the lanes that took it. Codes are constants, so a tap costs
// three operations and no index arithmetic (masked forms with every lane set, as lane_sum); the
// code becomes an index once per output vector, through a 16-entry table of offsets
// (_mm512_permutexvar_ps) added to the window's corner.

// Tap code c as 16 lanes at kCodes + 16 c: the masked moves read them from memory (a
// broadcast from a general register per tap costs more).
struct CodeTable {
  alignas(64) std::int32_t v[16 * 16];
  constexpr CodeTable() : v() {
    for (int i = 0; i < 16 * 16; ++i) v[i] = i / 16;
  }
};
constexpr CodeTable kCodes;

// True when the n floats at x hold a NaN.
bool has_nan(const float* x, std::int64_t n) {
  __mmask16 nan = 0;
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    nan = static_cast<__mmask16>(nan | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
  }
  if (i < n) {
    const __m512 v = _mm512_maskz_loadu_ps(first_lanes(n - i), x + i);
    nan = static_cast<__mmask16>(nan | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
  }
  return nan != 0;
}

// The K taps of input row `row` for vector n (tap 0 of lane 0 at column c0, load masks m).
template <int K, Cols C, bool Masked>
inline void row_taps(const Avx512Plan& p, const float* row, std::int64_t c0, const std::uint16_t* m,
                     __m512* v) {
  const __m512 minus_inf = _mm512_set1_ps(-__builtin_inff());
  const std::int64_t d = p.dilation_w;
  if constexpr (C == Cols::unit) {
    for (int kw = 0; kw < K; ++kw) v[kw] = load<Masked>(minus_inf, m[kw], at(row, c0 + kw * d));
  } else if constexpr (C == Cols::pair) {
    // Dilation 1: a pair of loads gives taps kw (even lanes) and kw + 1 (odd lanes). (Loops of
    // constant trip count only, so that v stays in registers.)
    __m512 lo = minus_inf, hi = minus_inf;
    for (int kw = 0; kw < K; ++kw) {
      if (d == 1 && kw % 2 == 1) {
        v[kw] = odd_of(lo, hi);
      } else {
        const float* base = at(row, c0 + kw * d);
        lo = load<Masked>(minus_inf, m[2 * kw], base);
        hi = load<Masked>(minus_inf, m[2 * kw + 1], base + 16);
        v[kw] = even_of(lo, hi);
      }
    }
  } else {
    const __m512i gather_index = lane_times_epi32(p.stride_w);
    for (int kw = 0; kw < K; ++kw) {
      v[kw] = _mm512_mask_i32gather_ps(minus_inf, m[kw], gather_index, at(row, c0 + kw * d), 4);
    }
  }
}

// R output rows (oh, oh + 1) x N vectors (j, j + 1) of a max plane without NaN. The input rows
// of both windows are visited once each, in increasing order (each window's taps stay in the
// reference's row-major order), so a row shared by the two windows (3x3 stride 2: one of
// three; stride 1: two of three) is loaded and deinterleaved once.
template <int K, Cols C, bool Masked, int N, int R>
void max_block(const Avx512Plan& p, const float* x, std::int64_t oh, std::int64_t j, float* y,
               float* indices) {
  const std::int64_t mask_step = K * p.loads, col_step = 16 * p.stride_w, dh = p.dilation_h;
  const std::int64_t c0 = j * col_step - p.pad_left;
  const std::uint16_t* m = p.masks + j * mask_step;
  __m512 best[R][N];
  __m512i code[R][N];
  std::int64_t start[R], t_lo[R], t_hi[R];
  for (int r = 0; r < R; ++r) {
    start[r] = p.row_start[oh + r];
    t_lo[r] = p.row_t_lo[oh + r];
    t_hi[r] = p.row_t_hi[oh + r];
    const __m512i row_code = _mm512_set1_epi32(static_cast<int>(t_lo[r] * K));
    for (int n = 0; n < N; ++n) {
      best[r][n] = _mm512_set1_ps(-__builtin_inff());
      code[r][n] = _mm512_add_epi32(row_code, _mm512_loadu_si512(p.first_tap_w + (j + n) * 16));
    }
  }
  // (With dilation the second window's first row can come before the first window's.)
  std::int64_t ih_lo = start[0] + t_lo[0] * dh, ih_hi = start[0] + (t_hi[0] - 1) * dh;
  for (int r = 1; r < R; ++r) {
    const std::int64_t lo = start[r] + t_lo[r] * dh, hi = start[r] + (t_hi[r] - 1) * dh;
    ih_lo = lo < ih_lo ? lo : ih_lo;
    ih_hi = hi > ih_hi ? hi : ih_hi;
  }
  for (std::int64_t ih = ih_lo; ih <= ih_hi; ++ih) {
    std::int64_t t[R];
    bool any = false;
    for (int r = 0; r < R; ++r) {
      const std::int64_t off = ih - start[r];
      if (dh == 1) {
        t[r] = off >= t_lo[r] && off < t_hi[r] ? off : -1;
      } else {
        t[r] =
            off >= 0 && off % dh == 0 && off / dh >= t_lo[r] && off / dh < t_hi[r] ? off / dh : -1;
      }
      any = any || t[r] >= 0;
    }
    if (!any) continue;
    __m512 v[N][K];
    for (int n = 0; n < N; ++n) {
      row_taps<K, C, Masked>(p, x + ih * p.W, c0 + n * col_step, m + n * mask_step, v[n]);
    }
    for (int r = 0; r < R; ++r) {
      if (t[r] < 0) continue;
      for (int kw = 0; kw < K; ++kw) {
        const __m512i tap = _mm512_load_si512(kCodes.v + 16 * (t[r] * K + kw));
        for (int n = 0; n < N; ++n) {
          const __mmask16 take = _mm512_cmp_ps_mask(best[r][n], v[n][kw], _CMP_LT_OQ);
          best[r][n] = _mm512_mask_max_ps(best[r][n], 0xFFFF, v[n][kw], best[r][n]);
          code[r][n] = _mm512_mask_mov_epi32(code[r][n], take, tap);
        }
      }
    }
  }
  const __m512 offsets = _mm512_loadu_ps(p.tap_offset);
  const __m512 lanes = lane_times(p.stride_w);
  for (int r = 0; r < R; ++r) {
    for (int n = 0; n < N; ++n) {
      const std::int64_t ow0 = (j + n) * 16, o = (oh + r) * p.W_out + ow0;
      const __mmask16 out = first_lanes(p.W_out - ow0);
      // The window's corner: input row start, column c0 + n * col_step + stride * lane.
      const __m512 corner = _mm512_add_ps(
          lanes, _mm512_set1_ps(static_cast<float>(start[r] * p.W + c0 + n * col_step)));
      _mm512_mask_storeu_ps(y + o, out, best[r][n]);
      _mm512_mask_storeu_ps(
          indices + o, out,
          _mm512_add_ps(corner, _mm512_mask_permutexvar_ps(offsets, 0xFFFF, code[r][n], offsets)));
    }
  }
}

template <int K, Cols C, int R>
void max_rows_coded(const Avx512Plan& p, const float* x, std::int64_t oh, float* y,
                    float* indices) {
  for (std::int64_t j = 0; j < p.vectors;) {
    if (j + 1 < p.vectors) {
      if (p.inside[j] && p.inside[j + 1]) {
        max_block<K, C, false, 2, R>(p, x, oh, j, y, indices);
      } else {
        max_block<K, C, true, 2, R>(p, x, oh, j, y, indices);
      }
      j += 2;
    } else {
      if (p.inside[j]) {
        max_block<K, C, false, 1, R>(p, x, oh, j, y, indices);
      } else {
        max_block<K, C, true, 1, R>(p, x, oh, j, y, indices);
      }
      j += 1;
    }
  }
}

template <int K, Cols C>
void max_plane_coded(const Avx512Plan& p, const float* x, float* y, float* indices) {
  std::int64_t oh = 0;
  for (; oh + 2 <= p.H_out; oh += 2) max_rows_coded<K, C, 2>(p, x, oh, y, indices);
  if (oh < p.H_out) max_rows_coded<K, C, 1>(p, x, oh, y, indices);
}

template <int K>
bool max_plane_coded_k(const Avx512Plan& p, const float* x, float* y, float* indices) {
  if (p.kernel_w != K) return false;
  if (p.stride_w == 1) {
    max_plane_coded<K, Cols::unit>(p, x, y, indices);
  } else if (p.stride_w == 2) {
    max_plane_coded<K, Cols::pair>(p, x, y, indices);
  } else {
    max_plane_coded<K, Cols::gather>(p, x, y, indices);
  }
  return true;
}

// One vector of output row oh of an average plane: the sum of the window's real elements (the
// padding's lanes load 0). For stride 2 the rows are summed first, per pair of 16-lane loads,
// and deinterleaved once per pair of taps instead of once per row.
template <Cols C, bool Masked>
inline __m512 sum_vector(const Avx512Plan& p, const float* x, std::int64_t oh, std::int64_t c0,
                         const std::uint16_t* m) {
  const __m512 zero = _mm512_setzero_ps();
  const std::int64_t k = p.kernel_w;
  const std::int64_t ih0 = p.row_start[oh] + p.row_t_lo[oh];
  const std::int64_t ih1 = p.row_start[oh] + p.row_t_hi[oh];
  __m512 s = zero;
  if constexpr (C == Cols::unit) {
    for (std::int64_t ih = ih0; ih < ih1; ++ih) {
      for (std::int64_t kw = 0; kw < k; ++kw) {
        s = _mm512_add_ps(s, load<Masked>(zero, m[kw], at(x + ih * p.W, c0 + kw)));
      }
    }
  } else if constexpr (C == Cols::pair) {
    for (std::int64_t kw = 0; kw < k; kw += 2) {
      __m512 lo = zero, hi = zero;
      for (std::int64_t ih = ih0; ih < ih1; ++ih) {
        const float* base = at(x + ih * p.W, c0 + kw);
        lo = _mm512_add_ps(lo, load<Masked>(zero, m[2 * kw], base));
        hi = _mm512_add_ps(hi, load<Masked>(zero, m[2 * kw + 1], base + 16));
      }
      s = _mm512_add_ps(s, even_of(lo, hi));
      if (kw + 1 < k) s = _mm512_add_ps(s, odd_of(lo, hi));
    }
  } else {
    const __m512i gather_index = lane_times_epi32(p.stride_w);
    for (std::int64_t ih = ih0; ih < ih1; ++ih) {
      for (std::int64_t kw = 0; kw < k; ++kw) {
        s = _mm512_add_ps(
            s, _mm512_mask_i32gather_ps(zero, m[kw], gather_index, at(x + ih * p.W, c0 + kw), 4));
      }
    }
  }
  return s;
}

// Output row oh of an average plane: the sums divided by the reference's divisor.
template <Cols C>
void avg_row(const Avx512Plan& p, const float* x, std::int64_t oh, float* y) {
  const __m512 divisor_h = _mm512_set1_ps(static_cast<float>(p.divisor_h[oh]));
  for (std::int64_t j = 0; j < p.vectors; ++j) {
    const std::int64_t ow0 = j * 16;
    const std::int64_t c0 = ow0 * p.stride_w - p.pad_left;
    const std::uint16_t* m = p.masks + j * p.kernel_w * p.loads;
    const __m512 s =
        p.inside[j] ? sum_vector<C, false>(p, x, oh, c0, m) : sum_vector<C, true>(p, x, oh, c0, m);
    const __m512 divisor = _mm512_mul_ps(divisor_h, _mm512_loadu_ps(p.divisor_w + ow0));
    _mm512_mask_storeu_ps(y + oh * p.W_out + ow0, first_lanes(p.W_out - ow0),
                          _mm512_div_ps(s, divisor));
  }
}

// Bit i set when column c + i lies in [0, W).
inline __mmask16 columns_inside(std::int64_t c, std::int64_t W) {
  const std::int64_t lo = c < 0 ? -c : 0, hi = W - c < 16 ? W - c : 16;
  if (hi <= lo) return 0;
  return static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

// Columns c .. c + 15 summed over input rows [ih0, ih1) (0 outside the input).
inline __m512 column_sums(const Avx512Plan& p, const float* x, std::int64_t ih0, std::int64_t ih1,
                          std::int64_t c) {
  const __mmask16 m = columns_inside(c, p.W);
  __m512 s = _mm512_setzero_ps();
  if (m == 0xFFFF) {
    for (std::int64_t ih = ih0; ih < ih1; ++ih)
      s = _mm512_add_ps(s, _mm512_loadu_ps(x + ih * p.W + c));
  } else if (m != 0) {
    for (std::int64_t ih = ih0; ih < ih1; ++ih) {
      s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, at(x + ih * p.W, c)));
    }
  }
  return s;
}

// Lanes shift .. 15 of lo followed by lanes 0 .. shift - 1 of hi (valignd).
template <int Shift>
inline __m512 shifted(__m512 hi, __m512 lo) {
  const __m512i l = _mm512_castps_si512(lo), h = _mm512_castps_si512(hi);
  return _mm512_castsi512_ps(_mm512_mask_alignr_epi32(l, 0xFFFF, h, l, Shift));
}

// Output row oh of an average plane, stride 1 and dilation 1 along w, kernel_w K <= 3: the
// window's rows are summed once per 16 columns (one load per row, each sum serving two output
// vectors) and tap kw is that sum shifted by kw lanes: K - 1 shifts instead of (K - 1) x rows
// loads.
template <int K>
void avg_row_shifted(const Avx512Plan& p, const float* x, std::int64_t oh, float* y) {
  const __m512 divisor_h = _mm512_set1_ps(static_cast<float>(p.divisor_h[oh]));
  const std::int64_t ih0 = p.row_start[oh] + p.row_t_lo[oh];
  const std::int64_t ih1 = p.row_start[oh] + p.row_t_hi[oh];
  __m512 cur = column_sums(p, x, ih0, ih1, -p.pad_left);
  for (std::int64_t j = 0; j < p.vectors; ++j) {
    const std::int64_t ow0 = j * 16;
    const __m512 next = column_sums(p, x, ih0, ih1, ow0 + 16 - p.pad_left);
    __m512 s = cur;
    if constexpr (K >= 2) s = _mm512_add_ps(s, shifted<1>(next, cur));
    if constexpr (K >= 3) s = _mm512_add_ps(s, shifted<2>(next, cur));
    const __m512 divisor = _mm512_mul_ps(divisor_h, _mm512_loadu_ps(p.divisor_w + ow0));
    _mm512_mask_storeu_ps(y + oh * p.W_out + ow0, first_lanes(p.W_out - ow0),
                          _mm512_div_ps(s, divisor));
    cur = next;
  }
}

// W_out == 1 (global-like windows, GoogLeNet's 7x7 on 7x7): the lanes go along the window's
// columns instead, 16 at a time, summed over its rows, then across lanes.
void avg_row_single_column(const Avx512Plan& p, const float* x, std::int64_t oh, float* y) {
  const std::int64_t ih0 = p.row_start[oh] + p.row_t_lo[oh];
  const std::int64_t ih1 = p.row_start[oh] + p.row_t_hi[oh];
  __m512 s = _mm512_setzero_ps();
  if (p.col_first == 0 && p.col_end == p.W && p.dilation_h == 1) {
    // Whole rows: one contiguous run of (ih1 - ih0) W elements, 16 at a time.
    const float* run = x + ih0 * p.W;
    const std::int64_t n = (ih1 - ih0) * p.W;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) s = _mm512_add_ps(s, _mm512_loadu_ps(run + i));
    if (i < n) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(first_lanes(n - i), run + i));
  } else {
    for (std::int64_t ih = ih0; ih < ih1; ++ih) {
      for (std::int64_t c = p.col_first; c < p.col_end; c += 16) {
        s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(first_lanes(p.col_end - c), x + ih * p.W + c));
      }
    }
  }
  y[oh] = lane_sum(s) / (static_cast<float>(p.divisor_h[oh]) * p.divisor_w[0]);
}

}  // namespace

void max_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y, float* indices) {
  if (p.kernel_h * p.kernel_w <= 16 && !has_nan(x, p.H * p.W) &&
      (max_plane_coded_k<2>(p, x, y, indices) || max_plane_coded_k<3>(p, x, y, indices) ||
       max_plane_coded_k<4>(p, x, y, indices))) {
    return;
  }
  for (std::int64_t oh = 0; oh < p.H_out; ++oh) {
    if (p.stride_w == 1) {
      max_row<Cols::unit>(p, x, oh, y, indices);
    } else if (p.stride_w == 2) {
      max_row<Cols::pair>(p, x, oh, y, indices);
    } else {
      max_row<Cols::gather>(p, x, oh, y, indices);
    }
  }
}

void avg_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y) {
  for (std::int64_t oh = 0; oh < p.H_out; ++oh) {
    if (p.W_out == 1) {
      avg_row_single_column(p, x, oh, y);
    } else if (p.stride_w == 1 && p.dilation_w == 1 && p.kernel_w == 2) {
      avg_row_shifted<2>(p, x, oh, y);
    } else if (p.stride_w == 1 && p.dilation_w == 1 && p.kernel_w == 3) {
      avg_row_shifted<3>(p, x, oh, y);
    } else if (p.stride_w == 1) {
      avg_row<Cols::unit>(p, x, oh, y);
    } else if (p.stride_w == 2) {
      avg_row<Cols::pair>(p, x, oh, y);
    } else {
      avg_row<Cols::gather>(p, x, oh, y);
    }
  }
}

}  // namespace convlab::pool_detail
