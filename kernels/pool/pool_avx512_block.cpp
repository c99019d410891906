// The channel-blocked kernels of max_pool2d_avx512 and avg_pool2d_avx512 (pool_avx512.hpp's
// Avx512BlockPlan): 16 planes at a time, one 16-float vector per input pixel and per output
// pixel. Compiled with -mavx512f -mfma whatever CONVLAB_ISA selects, and free of library calls
// (an inline library function instantiated here would be compiled for AVX-512 and could be the
// copy the linker keeps); the variants check the CPU before calling.
//
// A block goes output row by output row. The input pixels are transposed in (16 pixels x 16
// planes per 16x16 transpose) just before the first output row that reads them, into a ring of
// `ring` slots (pixel i of the plane at slot i mod ring; a ring of whole rows, so a row never
// wraps; for max the pixels are scanned for NaN on the way). Each output row is computed into
// a short queue of output vectors, and every 16 queued pixels are transposed out. Both buffers
// stay in L1: measured on this machine, a 16x16 transpose costs ~18 cycles from and to L1 and
// 50-70 from and to L2, which is what the plane-sized buffers of a first version paid.
// Windows visit only their taps inside the input: output columns [ow_lo, ow_hi) have whole
// windows along w (kernel_w and stride_w fixed at compile time for the usual kernels, and for
// max windows of three real rows those rows too; 8 pixels side by side), the few others go one
// by one with their own ranges (Axis::t_lo, t_hi).
// Max: taps in the reference's row-major order. Each lane starts from the window's first real
// element and its offset from the window's corner, then "replace when strictly larger" (one
// compare, a max and a masked move of the tap's offset) until a NaN has been transposed in, the
// reference's full rule (two compares, two masked moves) from then on: ties keep the first
// maximum, an all -inf window reports its first real element, the first NaN wins. Without NaN,
// stride 1 and stride 2 on rows of at least 24 outputs (but 3x3 at stride_w 1 or 2, row_for)
// go by row maxima (max_row_by_rows). The
// index is the window's corner plus the offset.
// Average: the window's real taps summed in row-major order, divided by the product of the two
// axes' divisors.
// Outputs: whole runs by non-temporal stores when the plan says so (Avx512BlockPlan::stream,
// large max outputs on aligned planes: GoogLeNet 3a 1.07-1.10x); the stores' choice is a
// template argument of flush, since a runtime test inside it measured 10% slower on AlexNet
// pool5. Where a block's time goes (one block of 16 planes in L2, rdtsc around the steps):
// AlexNet pool1 transposes in 33%, row maxima 21%, column maxima 23%, transposes out 20%;
// GoogLeNet 3a 9%, 16%, 30-40%, 30%. Tried without gain (one thread, the nets' layers):
// software prefetch of the planes in fill (T0 and NTA, 2 to 16 lines ahead), the NaN scan as
// chained "ordered" compares of pairs (8 instead of 32 operations per transpose), col_max with
// the window's rows fixed at compile time, row codes stored as bytes (in a microbenchmark of
// col_max), row maxima for stride 2 from 12 or 6 outputs (5-25% slower), the unrolled direct
// form for 3x3/s1 (GoogLeNet 3a and 56 x 56: 0.89-0.93 of by row maxima).
#include <immintrin.h>

#include <cstdint>

#include "kernels/conv2d/avx512_transpose.hpp"
#include "kernels/pool/pool_avx512.hpp"

namespace convlab::pool_detail {
namespace {

using conv2d_detail::transpose16;

inline __mmask16 lanes_below(std::int64_t n) {
  if (n <= 0) return 0;
  return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// Slot `slot` from v (slot may lie outside the buffer, where pointer arithmetic would be
// undefined; only slots inside it are dereferenced).
inline const float* at(const float* v, std::int64_t slot) {
  return reinterpret_cast<const float*>(reinterpret_cast<std::uintptr_t>(v) +
                                        static_cast<std::uintptr_t>(slot * 64));
}

// v as a register value: keeps GCC from folding a load into two instructions (it loads a tap
// once for the max and again as the compare's memory operand, and broadcasts a tap's code from
// memory under the mask instead of reusing it; the loads, not the arithmetic, then bound the
// kernels).
inline __m512 in_register(__m512 v) {
  __asm__("" : "+v"(v));
  return v;
}

// The running maximum of the floats' bits without their sign: a NaN's are above +inf's.
// (Zero-masking forms with every lane kept: GCC 12 warns about the unmasked ones' undefined
// operand.)
inline __m512i nan_bits(__m512i acc, __m512 v) {
  return _mm512_maskz_max_epu32(
      0xFFFF, acc, _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7FFFFFFF)));
}

// The input side of a block: the 16 planes (plane c < planes at x + c * plane; the lanes past
// the last plane repeat it) and the ring of transposed pixels.
struct Input {
  const float* src[16];
  std::int64_t n;      // pixels per plane
  float* ring;         // `ring` slots, then 16 more (a transpose's overhang)
  std::int64_t slots;  // ring size, a whole number of rows
  std::int64_t done;   // pixels [0, done) are transposed (done is a multiple of 16 or n)
  std::int64_t at;     // done mod slots
  __m512i nan;         // nan_bits of every pixel transposed

  // Pixels up to `need` (and on to the next multiple of 16) transposed into the ring.
  // (flatten: transpose16 inlined, so the 16 vectors stay in registers.)
  template <bool CheckNan>
  [[gnu::flatten]] void fill(std::int64_t need) {
    __m512 r[16];
    for (; done < need; done += 16) {
      if (done + 16 <= n) {  // masked loads are slower, even with every lane set
        for (int c = 0; c < 16; ++c) r[c] = _mm512_loadu_ps(src[c] + done);
      } else {
        const __mmask16 m = lanes_below(n - done);
        for (int c = 0; c < 16; ++c) r[c] = _mm512_maskz_loadu_ps(m, src[c] + done);
      }
      if constexpr (CheckNan) {
        for (int c = 0; c < 16; ++c) nan = nan_bits(nan, r[c]);
      }
      transpose16(r);
      float* dst = ring + 16 * at;
      for (int j = 0; j < 16; ++j) _mm512_storeu_ps(dst + 16 * j, r[j]);
      at += 16;
      if (at >= slots) {
        // The part past the ring's end belongs at its start (rows no window still reads).
        at -= slots;
        for (std::int64_t j = 0; j < at; ++j) {
          _mm512_storeu_ps(ring + 16 * j, _mm512_loadu_ps(ring + 16 * (slots + j)));
        }
      }
    }
    if (done > n) done = n;
  }
  bool has_nan() const { return _mm512_cmpgt_epu32_mask(nan, _mm512_set1_epi32(0x7F800000)) != 0; }
};

// The output side: a queue of output vectors (pixel `first` at queue[0]), transposed out 16
// pixels at a time into planes [0, planes) of y (plane stride out_plane).
struct Output {
  float* queue;
  std::int64_t first, count;
  float* y;
  std::int64_t planes, out_plane;

  // The first `n` queued pixels (16 at a time; n is count at the end) out, the rest moved to
  // the front; Stream: whole runs by non-temporal stores where their 16 rows are 64-byte
  // aligned (Avx512BlockPlan::stream). (Members copied to locals: the stores may alias
  // anything.)
  template <bool Stream>
  [[gnu::flatten]] void flush(std::int64_t n) {
    float* const q = queue;
    float* const out = y + first;
    const std::int64_t c_count = count, c_planes = planes, stride = out_plane;
    const bool nt =
        Stream &&
        (reinterpret_cast<std::uintptr_t>(out) | static_cast<std::uintptr_t>(stride * 4)) % 64 == 0;
    __m512 r[16];
    std::int64_t q0 = 0;
    for (; q0 < n; q0 += 16) {
      for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(q + 16 * (q0 + j));
      transpose16(r);
      float* dst = out + q0;
      if (q0 + 16 <= c_count && c_planes == 16) {
        if (nt) {
          for (int c = 0; c < 16; ++c) _mm512_stream_ps(dst + c * stride, r[c]);
        } else {
          for (int c = 0; c < 16; ++c) _mm512_storeu_ps(dst + c * stride, r[c]);
        }
      } else {
        const __mmask16 m = lanes_below(c_count - q0);
        for (int c = 0; c < 16; ++c) {
          if (c < c_planes) _mm512_mask_storeu_ps(dst + c * stride, m, r[c]);
        }
      }
    }
    if (q0 > c_count) q0 = c_count;
    for (std::int64_t j = q0; j < c_count; ++j) {
      _mm512_storeu_ps(q + 16 * (j - q0), _mm512_loadu_ps(q + 16 * j));
    }
    first += q0;
    count = c_count - q0;
  }
};

// One output row oh being computed: its window's real input rows (row[kh] at column 0 for kh
// in [lo, hi)), where its output vectors go (y, i: pixel ow at y + 16 ow) and the index of its
// window corner along h minus pad_left ((oh * stride_h - pad_top) * W - pad_left).
struct Row {
  // (row is left uninitialized: only row[lo .. hi) is set and read.)
  explicit Row(const Avx512BlockPlan& plan) : p(plan) {}
  const Avx512BlockPlan& p;
  static constexpr int kMaxKernelH = 32;
  const float* row[kMaxKernelH];
  const float* tap_code = nullptr;  // max: per tap, its offset (Avx512BlockPlan::scratch)
  std::int64_t lo = 0, hi = 0;
  float *y = nullptr, *i = nullptr;
  float corner = 0;     // max
  float divisor_h = 0;  // average
};

// The values and indices (corner + code) of NP output pixels ow .. of a row, sw apart along w.
// (Everything is read before the first store: the stores may alias anything.)
template <int NP>
inline void store_max(const Row& r, std::int64_t ow, std::int64_t sw, const __m512* best,
                      const __m512* code) {
  float* oy = r.y + 16 * ow;
  float* oi = r.i + 16 * ow;
  const float corner = r.corner + static_cast<float>(ow * sw);
  __m512 index[NP];
  for (int q = 0; q < NP; ++q) {
    index[q] = _mm512_add_ps(code[q], _mm512_set1_ps(corner + static_cast<float>(q * sw)));
  }
  for (int q = 0; q < NP; ++q) {
    _mm512_storeu_ps(oy + 16 * q, best[q]);
    _mm512_storeu_ps(oi + 16 * q, index[q]);
  }
}

// One tap of the max: v into (best, code) under the reference's rule (Nan) or "strictly larger".
template <bool Nan>
inline void take(__m512 v, __m512 c, __m512& best, __m512& code) {
  v = in_register(v);
  if constexpr (Nan) {
    // v replaces best when larger, or a NaN over a number.
    const __mmask16 ordered = _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
    const __mmask16 t = _mm512_mask_cmp_ps_mask(ordered, best, v, _CMP_NGE_UQ);
    best = _mm512_mask_mov_ps(best, t, v);
    code = _mm512_mask_mov_ps(code, t, c);
  } else {
    // max(v, best) keeps best on equality (+0 before -0, as the compare).
    const __mmask16 t = _mm512_cmp_ps_mask(best, v, _CMP_LT_OQ);
    best = _mm512_mask_max_ps(best, 0xFFFF, v, best);
    code = _mm512_mask_mov_ps(code, t, c);
  }
}

// NP output pixels ow .. ow + NP - 1 of a max row whose windows lie inside the input along w;
// KW = kernel_w and SW = stride_w (dilation_w 1) when > 0; KH > 0: the windows' real rows are
// [0, KH) (the loops over the taps unrolled whole).
template <int NP, int KW, int SW, bool Nan, int KH>
inline void max_pixels(const Row& r, std::int64_t ow) {
  const Avx512BlockPlan& p = r.p;
  const std::int64_t lo = KH > 0 ? 0 : r.lo, hi = KH > 0 ? KH : r.hi;
  const std::int64_t sw = SW > 0 ? SW : p.stride_w, k = KW > 0 ? KW : p.kernel_w;
  const std::int64_t dw = KW > 0 ? 1 : p.dilation_w;
  const std::int64_t col = ow * sw - p.pad_left;  // >= 0 here
  // Each lane starts from the window's first real element (so an all -inf window reports it,
  // and a NaN there is never replaced), then takes the other taps in order.
  __m512 best[NP], code[NP];
  const float* first = r.row[lo] + 16 * col;
  const __m512 first_code = _mm512_set1_ps(r.tap_code[lo * k]);
  for (int q = 0; q < NP; ++q) {
    best[q] = _mm512_loadu_ps(first + 16 * q * sw);
    code[q] = first_code;
  }
  for (std::int64_t kh = lo; kh < hi; ++kh) {
    const float* row = r.row[kh] + 16 * col;
    for (std::int64_t kw = kh == lo ? 1 : 0; kw < k; ++kw) {
      const __m512 c = in_register(_mm512_set1_ps(r.tap_code[kh * k + kw]));
      for (int q = 0; q < NP; ++q) {
        take<Nan>(_mm512_loadu_ps(row + 16 * (q * sw + kw * dw)), c, best[q], code[q]);
      }
    }
  }
  store_max<NP>(r, ow, sw, best, code);
}

// One output pixel of a max row whose window reaches past the input along w.
template <bool Nan>
void max_border_pixel(const Row& r, std::int64_t ow) {
  const Avx512BlockPlan& p = r.p;
  const std::int64_t klo = p.t_lo_w[ow], khi = p.t_hi_w[ow];
  const std::int64_t col = ow * p.stride_w - p.pad_left;
  __m512 best = _mm512_set1_ps(-__builtin_inff());
  __m512 code = _mm512_set1_ps(r.tap_code[r.lo * p.kernel_w + klo]);
  for (std::int64_t kh = r.lo; kh < r.hi; ++kh) {
    for (std::int64_t kw = klo; kw < khi; ++kw) {
      take<Nan>(_mm512_loadu_ps(at(r.row[kh], col + kw * p.dilation_w)),
                _mm512_set1_ps(r.tap_code[kh * p.kernel_w + kw]), best, code);
    }
  }
  store_max<1>(r, ow, p.stride_w, &best, &code);
}

// The same for an average row: the window's real taps summed in row-major order, over the
// divisor.
template <int NP, int KW, int SW>
inline void avg_pixels(const Row& r, std::int64_t ow) {
  const Avx512BlockPlan& p = r.p;
  const std::int64_t sw = SW > 0 ? SW : p.stride_w, k = KW > 0 ? KW : p.kernel_w;
  const std::int64_t col = ow * sw - p.pad_left;
  __m512 sum[NP];
  for (int q = 0; q < NP; ++q) sum[q] = _mm512_setzero_ps();
  for (std::int64_t kh = r.lo; kh < r.hi; ++kh) {
    const float* row = r.row[kh] + 16 * col;
    for (std::int64_t kw = 0; kw < k; ++kw) {
      for (int q = 0; q < NP; ++q) {
        sum[q] = _mm512_add_ps(sum[q], _mm512_loadu_ps(row + 16 * (q * sw + kw)));
      }
    }
  }
  float* oy = r.y + 16 * ow;
  const float dh = r.divisor_h;
  __m512 avg[NP];
  for (int q = 0; q < NP; ++q) {
    avg[q] = _mm512_div_ps(sum[q], _mm512_set1_ps(dh * static_cast<float>(p.divisor_w[ow + q])));
  }
  for (int q = 0; q < NP; ++q) _mm512_storeu_ps(oy + 16 * q, avg[q]);
}

void avg_border_pixel(const Row& r, std::int64_t ow) {
  const Avx512BlockPlan& p = r.p;
  const std::int64_t col = ow * p.stride_w - p.pad_left;
  __m512 sum = _mm512_setzero_ps();
  for (std::int64_t kh = r.lo; kh < r.hi; ++kh) {
    for (std::int64_t kw = p.t_lo_w[ow]; kw < p.t_hi_w[ow]; ++kw) {
      sum = _mm512_add_ps(sum, _mm512_loadu_ps(at(r.row[kh], col + kw)));
    }
  }
  const __m512 avg =
      _mm512_div_ps(sum, _mm512_set1_ps(r.divisor_h * static_cast<float>(p.divisor_w[ow])));
  _mm512_storeu_ps(r.y + 16 * ow, avg);
}

template <bool Max, int NP, int KW, int SW, bool Nan, int KH>
inline void pixels(const Row& r, std::int64_t ow) {
  if constexpr (Max) {
    max_pixels<NP, KW, SW, Nan, KH>(r, ow);
  } else {
    avg_pixels<NP, KW, SW>(r, ow);
  }
}

// pixels<n> for n in [1, NP].
template <bool Max, int NP, int KW, int SW, bool Nan, int KH>
inline void last_pixels(std::int64_t n, const Row& r, std::int64_t ow) {
  if constexpr (NP > 0) {
    if (n == NP) {
      pixels<Max, NP, KW, SW, Nan, KH>(r, ow);
    } else {
      last_pixels<Max, NP - 1, KW, SW, Nan, KH>(n, r, ow);
    }
  }
}

template <bool Max, bool Nan>
void border_pixels(const Row& r, std::int64_t ow0, std::int64_t ow1) {
  for (std::int64_t ow = ow0; ow < ow1; ++ow) {
    if constexpr (Max) {
      max_border_pixel<Nan>(r, ow);
    } else {
      avg_border_pixel(r, ow);
    }
  }
}

// One output row: the border columns one by one, the others 8 pixels side by side (8
// independent chains), the last 1-7 as one group. KH: max_pixels.
template <bool Max, int KW, int SW, bool Nan, int KH = 0>
void row_outputs(const Row& r) {
  constexpr int kNP = 8;
  const Avx512BlockPlan& p = r.p;
  border_pixels<Max, Nan>(r, 0, p.ow_lo);
  std::int64_t ow = p.ow_lo;
  for (; ow + kNP <= p.ow_hi; ow += kNP) pixels<Max, kNP, KW, SW, Nan, KH>(r, ow);
  last_pixels<Max, kNP - 1, KW, SW, Nan, KH>(p.ow_hi - ow, r, ow);
  border_pixels<Max, Nan>(r, p.ow_hi > p.ow_lo ? p.ow_hi : p.ow_lo, p.W_out);
}

// ---- max without NaN, stride_h 1 and dilation_h 1: row maxima first ----
//
// Without NaN the first maximum of the window in row-major order is the first maximum of the
// first row whose maximum is the window's: each row's first maximum (strictly larger replaces)
// with its offset along w, then over the window's rows in order, strictly larger replaces (the
// row's offset along w plus the row's along h becoming the code). With stride_h 1 a row maximum
// serves kernel_h windows. The row maxima of window_rows input rows are kept (row ih in place
// ih mod window_rows of the row cache).

// The row maxima of NP consecutive output columns ow .. (windows inside the input along w) on
// input row `row` (at the corner column of ow) into rb, rc (the vectors of that input row).
template <int NP, int KW, int SW>
inline void row_max(const Avx512BlockPlan& p, const float* row, std::int64_t ow, float* rb,
                    float* rc) {
  const std::int64_t sw = SW > 0 ? SW : p.stride_w, k = KW > 0 ? KW : p.kernel_w;
  const std::int64_t dw = KW > 0 ? 1 : p.dilation_w;
  __m512 best[NP], code[NP];
  for (int q = 0; q < NP; ++q) {
    best[q] = _mm512_loadu_ps(row + 16 * q * sw);
    code[q] = _mm512_setzero_ps();
  }
  for (std::int64_t kw = 1; kw < k; ++kw) {
    const __m512 c = in_register(_mm512_set1_ps(static_cast<float>(kw * dw)));
    for (int q = 0; q < NP; ++q) {
      take<false>(_mm512_loadu_ps(row + 16 * (q * sw + kw * dw)), c, best[q], code[q]);
    }
  }
  for (int q = 0; q < NP; ++q) {
    _mm512_storeu_ps(rb + 16 * (ow + q), best[q]);
    _mm512_storeu_ps(rc + 16 * (ow + q), code[q]);
  }
}

template <int NP, int KW, int SW>
inline void last_row_max(std::int64_t n, const Avx512BlockPlan& p, const float* row,
                         std::int64_t ow, float* rb, float* rc) {
  if constexpr (NP > 0) {
    if (n == NP) {
      row_max<NP, KW, SW>(p, row, ow, rb, rc);
    } else {
      last_row_max<NP - 1, KW, SW>(n, p, row, ow, rb, rc);
    }
  }
}

// The row maximum of border column ow (only its taps inside the input); row at its corner.
inline void row_max_border(const Avx512BlockPlan& p, const float* row, std::int64_t ow, float* rb,
                           float* rc) {
  const std::int64_t klo = p.t_lo_w[ow], khi = p.t_hi_w[ow], dw = p.dilation_w;
  __m512 best = _mm512_loadu_ps(at(row, klo * dw));
  __m512 code = _mm512_set1_ps(static_cast<float>(klo * dw));
  for (std::int64_t kw = klo + 1; kw < khi; ++kw) {
    take<false>(_mm512_loadu_ps(at(row, kw * dw)), _mm512_set1_ps(static_cast<float>(kw * dw)),
                best, code);
  }
  _mm512_storeu_ps(rb + 16 * ow, best);
  _mm512_storeu_ps(rc + 16 * ow, code);
}

// The row maxima of one input row (`row` at its column 0) for every output column.
template <int KW, int SW>
void row_maxima(const Avx512BlockPlan& p, const float* row, float* rb, float* rc) {
  constexpr int kNP = 8;
  const float* corner = at(row, -p.pad_left);
  for (std::int64_t ow = 0; ow < p.ow_lo; ++ow) {
    row_max_border(p, at(corner, ow * p.stride_w), ow, rb, rc);
  }
  std::int64_t ow = p.ow_lo;
  for (; ow + kNP <= p.ow_hi; ow += kNP) {
    row_max<kNP, KW, SW>(p, at(corner, ow * p.stride_w), ow, rb, rc);
  }
  last_row_max<kNP - 1, KW, SW>(p.ow_hi - ow, p, at(corner, ow * p.stride_w), ow, rb, rc);
  for (ow = p.ow_hi > p.ow_lo ? p.ow_hi : p.ow_lo; ow < p.W_out; ++ow) {
    row_max_border(p, at(corner, ow * p.stride_w), ow, rb, rc);
  }
}

// NP output pixels of a row from the row maxima of its n real rows (rb[j], rc[j]: offset off[j]
// along h).
template <int NP>
inline void col_max(const Row& r, const float* const* rb, const float* const* rc, const float* off,
                    std::int64_t n, std::int64_t ow) {
  __m512 best[NP], code[NP];
  const __m512 off0 = _mm512_set1_ps(off[0]);
  for (int q = 0; q < NP; ++q) {
    best[q] = _mm512_loadu_ps(rb[0] + 16 * (ow + q));
    code[q] = _mm512_add_ps(_mm512_loadu_ps(rc[0] + 16 * (ow + q)), off0);
  }
  for (std::int64_t j = 1; j < n; ++j) {
    const __m512 o = _mm512_set1_ps(off[j]);
    for (int q = 0; q < NP; ++q) {
      const __m512 v = in_register(_mm512_loadu_ps(rb[j] + 16 * (ow + q)));
      const __mmask16 t = _mm512_cmp_ps_mask(best[q], v, _CMP_LT_OQ);
      best[q] = _mm512_mask_max_ps(best[q], 0xFFFF, v, best[q]);
      code[q] = _mm512_mask_add_ps(code[q], t, _mm512_loadu_ps(rc[j] + 16 * (ow + q)), o);
    }
  }
  store_max<NP>(r, ow, r.p.stride_w, best, code);
}

template <int NP>
inline void last_col_max(std::int64_t m, const Row& r, const float* const* rb,
                         const float* const* rc, const float* off, std::int64_t n,
                         std::int64_t ow) {
  if constexpr (NP > 0) {
    if (m == NP) {
      col_max<NP>(r, rb, rc, off, n, ow);
    } else {
      last_col_max<NP - 1>(m, r, rb, rc, off, n, ow);
    }
  }
}

// The row cache: the row maxima and their offsets of window_rows input rows.
struct RowCache {
  float *b, *c;
  std::int64_t done;  // input rows below `done` have their row maxima
};

// One output row of a max block by row maxima (stride_h 1, dilation_h 1, no NaN so far).
template <int KW, int SW>
void max_row_by_rows(const Row& r, std::int64_t top, RowCache& cache) {
  constexpr int kNP = 8;
  const Avx512BlockPlan& p = r.p;
  const std::int64_t M = p.window_rows, W_out = p.W_out;
  // Input rows top + lo .. top + hi - 1 are the window's rows.
  for (std::int64_t ih = top + r.lo > cache.done ? top + r.lo : cache.done; ih < top + r.hi; ++ih) {
    row_maxima<KW, SW>(p, r.row[ih - top], cache.b + 16 * (ih % M) * W_out,
                       cache.c + 16 * (ih % M) * W_out);
  }
  cache.done = top + r.hi;
  const float* rb[Row::kMaxKernelH];
  const float* rc[Row::kMaxKernelH];
  float off[Row::kMaxKernelH];
  for (std::int64_t t = r.lo; t < r.hi; ++t) {
    const std::int64_t place = (top + t) % M;
    rb[t - r.lo] = cache.b + 16 * place * W_out;
    rc[t - r.lo] = cache.c + 16 * place * W_out;
    off[t - r.lo] = static_cast<float>(t * p.W);
  }
  std::int64_t ow = 0;
  for (; ow + kNP <= W_out; ow += kNP) col_max<kNP>(r, rb, rc, off, r.hi - r.lo, ow);
  last_col_max<kNP - 1>(W_out - ow, r, rb, rc, off, r.hi - r.lo, ow);
}

// One output row, by the kernels for its shape.
template <bool Max, bool Nan>
void row_for(const Row& r, std::int64_t top, RowCache& cache) {
  const Avx512BlockPlan& p = r.p;
  const bool k3 = p.kernel_w == 3 && p.dilation_w == 1;
  const bool k2 = p.kernel_w == 2 && p.dilation_w == 1;
  // By row maxima: stride_h 1 (each row serves kernel_h windows; 3x3 on 28x28, GoogLeNet 3a,
  // measured 1.20x the direct form in the first version) and stride_h 2 on rows of at least 24
  // outputs (3x3/s2, direct / by rows: 6 outputs 1.16, 13 1.03, 27 0.95, 56 0.86-0.92), but
  // for 3x3 at stride_w 1 or 2, whose direct form has its 9 taps unrolled (below): direct / by
  // rows then 1.09 on 27 outputs (AlexNet pool1), 1.10 on 28 and 31, 1.08-1.10 on 56 (ResNet-50
  // pool1, 112 x 112 with padding) and 57 (one block, rdtsc, medians).
  const bool unrolled = k3 && p.kernel_h == 3 && (p.stride_w == 1 || p.stride_w == 2);
  if constexpr (Max && !Nan) {
    if (p.dilation_h == 1 && (p.stride_h == 1 || (p.stride_h == 2 && p.W_out >= 24 && !unrolled))) {
      if (k3 && p.stride_w == 1) return max_row_by_rows<3, 1>(r, top, cache);
      if (k3 && p.stride_w == 2) return max_row_by_rows<3, 2>(r, top, cache);
      return max_row_by_rows<0, 0>(r, top, cache);
    }
  }
  // 3x3 (every max pooling of the benchmark nets but VGG's) and 2x2 at the usual strides with
  // their kernel_w and stride fixed; the rest (and max planes holding NaN) generic. Max rows
  // whose windows have 3 real rows have those fixed too, the 9 taps unrolled (measured per
  // block: AlexNet pool2 1.04-1.07x, pool5 1.03-1.07x).
  if constexpr (Max && !Nan) {
    if (unrolled && r.lo == 0 && r.hi == 3 && p.stride_w == 1) {
      return row_outputs<Max, 3, 1, false, 3>(r);
    }
    if (unrolled && r.lo == 0 && r.hi == 3 && p.stride_w == 2) {
      return row_outputs<Max, 3, 2, false, 3>(r);
    }
  }
  if constexpr (!Nan) {
    if (k3 && p.stride_w == 1) return row_outputs<Max, 3, 1, false>(r);
    if (k3 && p.stride_w == 2) return row_outputs<Max, 3, 2, false>(r);
    if (k2 && p.stride_w == 2) return row_outputs<Max, 2, 2, false>(r);
  }
  row_outputs<Max, 0, 0, Nan>(r);
}

template <bool Max>
void pool_block(const Avx512BlockPlan& p, const float* x, std::int64_t planes, float* y,
                float* indices, float* scratch) {
  const std::int64_t in_plane = p.H * p.W, out_plane = p.H_out * p.W_out;
  Input in{{}, in_plane, scratch, p.ring, 0, 0, _mm512_setzero_si512()};
  for (int c = 0; c < 16; ++c) in.src[c] = x + (c < planes ? c : planes - 1) * in_plane;
  float* queue = scratch + 16 * (p.ring + 16);
  const std::int64_t queue_size = p.W_out + 32;
  Output out_y{queue, 0, 0, y, planes, out_plane};
  Output out_i{queue + 16 * queue_size, 0, 0, indices, planes, out_plane};
  float* tap_code = queue + 32 * queue_size;
  const std::int64_t taps = p.kernel_h * p.kernel_w;
  float* rows = tap_code + (taps + 15) / 16 * 16;
  RowCache cache{rows, rows + 16 * p.window_rows * p.W_out, 0};
  if constexpr (Max) {
    for (std::int64_t kh = 0; kh < p.kernel_h; ++kh) {
      for (std::int64_t kw = 0; kw < p.kernel_w; ++kw) {
        tap_code[kh * p.kernel_w + kw] =
            static_cast<float>(kh * p.dilation_h * p.W + kw * p.dilation_w);
      }
    }
  }
  // The ring holds M whole rows: input row ih at ring row ih mod M; rtop is the ring row of
  // the current window's top row (oh * stride_h - pad_top, possibly negative).
  const std::int64_t M = p.ring / p.W;
  std::int64_t rtop = (M - p.pad_top % M) % M;
  for (std::int64_t oh = 0; oh < p.H_out; ++oh) {
    const std::int64_t top = oh * p.stride_h - p.pad_top;
    const std::int64_t lo = p.t_lo_h[oh], hi = p.t_hi_h[oh];
    // Its last real input row, transposed in (with the rest of its 16 pixels).
    const std::int64_t last = top + (hi - 1) * p.dilation_h;
    if constexpr (Max) {
      in.fill<true>((last + 1) * p.W);
    } else {
      in.fill<false>((last + 1) * p.W);
    }
    Row r(p);
    r.tap_code = tap_code;
    r.lo = lo;
    r.hi = hi;
    r.y = out_y.queue + 16 * out_y.count;
    r.i = out_i.queue + 16 * out_i.count;
    for (std::int64_t kh = lo; kh < hi; ++kh) {
      std::int64_t ring_row = rtop + kh * p.dilation_h;  // < 2 M
      ring_row -= ring_row >= M ? M : 0;
      r.row[kh] = in.ring + 16 * ring_row * p.W;
    }
    if constexpr (Max) {
      r.corner = static_cast<float>(top * p.W - p.pad_left);
      if (in.has_nan()) {
        row_for<true, true>(r, top, cache);
      } else {
        row_for<true, false>(r, top, cache);
      }
    } else {
      r.divisor_h = static_cast<float>(p.divisor_h[oh]);
      row_for<false, false>(r, top, cache);
    }
    out_y.count += p.W_out;
    out_i.count += p.W_out;
    // Whole transposes out while rows go on, the rest at the end.
    const std::int64_t n = oh + 1 == p.H_out ? out_y.count : out_y.count / 16 * 16;
    if (n > 0 && p.stream) {
      out_y.flush<true>(n);
      if constexpr (Max) out_i.flush<true>(n);
    } else if (n > 0) {
      out_y.flush<false>(n);
      if constexpr (Max) out_i.flush<false>(n);
    }
    rtop += p.stride_h;
    while (rtop >= M) rtop -= M;
  }
  // The non-temporal stores ordered before whatever follows (another thread may read y).
  if (p.stream) _mm_sfence();
}

}  // namespace

void max_pool2d_avx512_block(const Avx512BlockPlan& p, const float* x, std::int64_t planes,
                             float* y, float* indices, float* scratch) {
  pool_block<true>(p, x, planes, y, indices, scratch);
}

void avg_pool2d_avx512_block(const Avx512BlockPlan& p, const float* x, std::int64_t planes,
                             float* y, float* scratch) {
  pool_block<false>(p, x, planes, y, nullptr, scratch);
}

}  // namespace convlab::pool_detail
