// The AVX-512 plane kernels of max_pool2d_avx512 and avg_pool2d_avx512 (pool_avx512.hpp says
// how columns are loaded). Compiled with -mavx512f -mfma whatever CONVLAB_ISA selects; the
// variants check the CPU before calling (pool_avx512_plan.hpp), so nothing here runs elsewhere.
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

// W_out == 1 (global-like windows, GoogLeNet's 7x7 on 7x7): the lanes go along the window's
// columns instead, 16 at a time, summed over its rows, then across lanes.
void avg_row_single_column(const Avx512Plan& p, const float* x, std::int64_t oh, float* y) {
  const std::int64_t ih0 = p.row_start[oh] + p.row_t_lo[oh];
  const std::int64_t ih1 = p.row_start[oh] + p.row_t_hi[oh];
  __m512 s = _mm512_setzero_ps();
  for (std::int64_t ih = ih0; ih < ih1; ++ih) {
    for (std::int64_t c = p.col_first; c < p.col_end; c += 16) {
      s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(first_lanes(p.col_end - c), x + ih * p.W + c));
    }
  }
  y[oh] = lane_sum(s) / (static_cast<float>(p.divisor_h[oh]) * p.divisor_w[0]);
}

}  // namespace

void max_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y, float* indices) {
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
