// The AVX-512 inner loops of conv2d_depthwise_avx512 (see depthwise_avx512_plane.hpp).
// Compiled with -mavx512f whatever CONVLAB_ISA selects, and deliberately free of library calls:
// an inline function instantiated here would be compiled for AVX-512 and could be the copy the
// linker keeps for the whole program.
#include "kernels/conv2d/depthwise_avx512_plane.hpp"

#include <immintrin.h>

#include "kernels/conv2d/avx512_transpose.hpp"

namespace convlab::conv2d_detail {
namespace {

// Where flat output vectors land in y: flat index row * pitch + col (col < pitch) is output
// row * W_out + min(col, W_out) once the discarded columns are squeezed out.
struct Cursor {
  std::int64_t row = 0, col = 0;
  void advance(std::int64_t pitch) {
    col += 16;
    while (col >= pitch) {
      col -= pitch;
      ++row;
    }
  }
};

// Keeps the lanes of columns < W_out, packed together (they are consecutive outputs of y), and
// stores them; lanes past the last output row are dropped.
inline void store(const DepthwisePlane& p, const Cursor& at, std::int64_t total, __m512 acc,
                  float* y) {
  const std::int64_t pos = at.row * p.W_out + (at.col < p.W_out ? at.col : p.W_out);
  const __mmask16 lanes = p.lane_mask[at.col];
  std::int64_t count = __builtin_popcount(lanes);
  if (count > total - pos) count = total - pos;
  if (count == 16) {
    _mm512_storeu_ps(y + pos, acc);
  } else if (count > 0) {
    // The register form of compress: the memory form is microcoded and slow on AMD Zen 4.
    _mm512_mask_storeu_ps(y + pos, static_cast<__mmask16>((1u << count) - 1),
                          _mm512_maskz_compress_ps(lanes, acc));
  }
}

// The 16 floats starting `shift` (1 or 2) lanes into lo, continuing into hi.
template <int shift>
inline __m512 shifted(__m512 lo, __m512 hi) {
  // The zero-masking form with every lane kept: the plain intrinsic starts from an undefined
  // vector, which GCC 12 reports as maybe-uninitialized.
  return _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(
      static_cast<__mmask16>(0xFFFF), _mm512_castps_si512(hi), _mm512_castps_si512(lo), shift));
}

// NV output vectors from flat index i0; T > 0 fixes the number of taps at compile time so the
// weights stay in registers (wv), T == 0 reads them from p. With a 3x3 kernel, stride 1 and
// dilation_w 1, the three taps of a kernel row read the same vectors shifted by 0, 1 and 2
// lanes: one load and two lane shifts instead of three unaligned loads (stride 2 similarly
// shares the even phase between kw 0 and kw 2). The sums run in the same (kh, kw) order.
// [docs:depthwise-avx512-tile]
template <int NV, int T, TapPattern P>
inline void tile(const DepthwisePlane& p, const __m512* wv, std::int64_t i0, Cursor& at,
                 std::int64_t total, float* y) {
  __m512 acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = _mm512_set1_ps(p.bias);
  if constexpr (P == TapPattern::any) {
    const std::int64_t n_taps = T > 0 ? T : p.n_taps;
    for (std::int64_t t = 0; t < n_taps; ++t) {
      const __m512 w = T > 0 ? wv[t] : _mm512_set1_ps(p.weights[t]);
      const float* src = p.taps[t] + i0;
      for (int v = 0; v < NV; ++v) {
        acc[v] = _mm512_fmadd_ps(w, _mm512_loadu_ps(src + 16 * v), acc[v]);
      }
    }
  } else {
    static_assert(T == 9);
    for (int kh = 0; kh < 3; ++kh) {
      const float* row = p.taps[3 * kh] + i0;
      __m512 a[NV + 1];
      for (int v = 0; v <= NV; ++v) a[v] = _mm512_loadu_ps(row + 16 * v);
      const float* odd = p.taps[3 * kh + 1] + i0;  // stride 2: kw 1 reads the odd phase
      for (int v = 0; v < NV; ++v) {
        acc[v] = _mm512_fmadd_ps(wv[3 * kh], a[v], acc[v]);
        if constexpr (P == TapPattern::row3_stride1) {
          acc[v] = _mm512_fmadd_ps(wv[3 * kh + 1], shifted<1>(a[v], a[v + 1]), acc[v]);
          acc[v] = _mm512_fmadd_ps(wv[3 * kh + 2], shifted<2>(a[v], a[v + 1]), acc[v]);
        } else {
          acc[v] = _mm512_fmadd_ps(wv[3 * kh + 1], _mm512_loadu_ps(odd + 16 * v), acc[v]);
          acc[v] = _mm512_fmadd_ps(wv[3 * kh + 2], shifted<1>(a[v], a[v + 1]), acc[v]);
        }
      }
    }
  }
  for (int v = 0; v < NV; ++v) {
    store(p, at, total, acc[v], y);
    at.advance(p.pitch);
  }
}
// [docs:end]

// Lanes [lo, hi) of 16, clipped.
inline __mmask16 lanes_between(std::int64_t lo, std::int64_t hi) {
  if (lo < 0) lo = 0;
  if (hi > 16) hi = 16;
  if (hi <= lo) return 0;
  return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// The last `left` (< NV + 1) vectors of a plane, from vector v on, as one tile.
template <int NV, int T, TapPattern P>
void last_tile(const DepthwisePlane& p, const __m512* wv, std::int64_t v, std::int64_t left,
               Cursor& at, std::int64_t total, float* y) {
  if constexpr (NV > 0) {
    if (left == NV) {
      tile<NV, T, P>(p, wv, 16 * v, at, total, y);
    } else {
      last_tile<NV - 1, T, P>(p, wv, v, left, at, total, y);
    }
  }
}

template <int T, TapPattern P>
void plane(const DepthwisePlane& p, float* y) {
  __m512 wv[T > 0 ? T : 1];
  for (int t = 0; t < T; ++t) wv[t] = _mm512_set1_ps(p.weights[t]);
  const std::int64_t flat = (p.H_out - 1) * p.pitch + p.W_out;
  const std::int64_t total = p.H_out * p.W_out;
  const std::int64_t vectors = (flat + 15) / 16;
  // 8 accumulators cover the FMA latency; the last 1-7 vectors of a plane (all of a 7x7 plane)
  // go in one tile too, so small planes still run independent chains side by side.
  constexpr int kNV = 8;
  Cursor at;
  std::int64_t v = 0;
  for (; v + kNV <= vectors; v += kNV) tile<kNV, T, P>(p, wv, 16 * v, at, total, y);
  last_tile<kNV - 1, T, P>(p, wv, v, vectors - v, at, total, y);
}

// even[j] = padded(2j), odd[j] = padded(2j + 1), j in [0, n), with padded(k) = src[k - pl] for
// k - pl in [0, W) and zero elsewhere.
inline void split_row2(const float* src, std::int64_t W, std::int64_t pl, std::int64_t n,
                       float* even, float* odd) {
  const __m512i even_index =
      _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd_index =
      _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  for (std::int64_t j = 0; j < n; j += 16) {
    // Padded columns k = 2j + t, t in [0, 32), hold src[k - pl] when 0 <= k - pl < W: masked
    // loads touch only those (the address of a masked-off lane is never read).
    const std::int64_t first = 2 * j - pl;  // source index of lane 0
    __m512 a, b;
    if (first >= 0 && first + 32 <= W) {  // inside the row: plain loads, cheaper than masked
      a = _mm512_loadu_ps(src + first);
      b = _mm512_loadu_ps(src + first + 16);
    } else {
      a = _mm512_maskz_loadu_ps(lanes_between(-first, W - first), src + first);
      b = _mm512_maskz_loadu_ps(lanes_between(-first - 16, W - first - 16), src + first + 16);
    }
    const __mmask16 out = lanes_between(0, n - j);
    _mm512_mask_storeu_ps(even + j, out, _mm512_permutex2var_ps(a, even_index, b));
    _mm512_mask_storeu_ps(odd + j, out, _mm512_permutex2var_ps(a, odd_index, b));
  }
}

// All lanes: the zero-masking form of the gather below, as in shifted().
constexpr __mmask16 kAll = 0xFFFF;

// r[c] = 16 floats of channel c (clamped to the last one) from pixel p0 of `n` per plane, zero
// past n, transposed: r[j] = pixel p0 + j of the 16 channels.
inline void load_transposed(const float* x, std::int64_t plane, std::int64_t last, std::int64_t p0,
                            std::int64_t n, __m512* r) {
  const __mmask16 m = lanes_between(0, n - p0);
  for (int c = 0; c < 16; ++c)
    r[c] = _mm512_maskz_loadu_ps(m, x + (c < last ? c : last) * plane + p0);
  transpose16(r);
}

// NP consecutive output pixels of one row from their tap-0 slot `base`, SW (> 0) or b.sw slots
// apart, into o (NP vectors): NP independent FMA chains side by side, in tap order. K3 (3x3,
// dilation_w 1): the 9 weights in registers (wv) and every tap at a constant offset from base
// or from base + one or two kernel rows (rs floats).
template <int NP, int SW, bool K3>
inline void pixels(const DepthwiseBlock& b, const __m512* wv, __m512 bias, const float* wbuf,
                   const float* base, std::int64_t rs, float* o) {
  const std::int64_t sw = SW > 0 ? SW : b.sw;
  __m512 a[NP];
  for (int q = 0; q < NP; ++q) a[q] = bias;
  if constexpr (K3) {
    for (int kh = 0; kh < 3; ++kh) {
      for (int kw = 0; kw < 3; ++kw) {
        for (int q = 0; q < NP; ++q) {
          a[q] = _mm512_fmadd_ps(wv[3 * kh + kw],
                                 _mm512_loadu_ps(base + kh * rs + 16 * (q * sw + kw)), a[q]);
        }
      }
    }
  } else {
    for (std::int64_t t = 0; t < b.n_taps; ++t) {
      const __m512 w = _mm512_loadu_ps(wbuf + 16 * t);
      const float* tap = base + 16 * std::int64_t{b.tap_offset[t]};
      for (int q = 0; q < NP; ++q) {
        a[q] = _mm512_fmadd_ps(w, _mm512_loadu_ps(tap + 16 * q * sw), a[q]);
      }
    }
  }
  for (int q = 0; q < NP; ++q) _mm512_storeu_ps(o + 16 * q, a[q]);
}

// pixels<n> for n in [1, NP].
template <int NP, int SW, bool K3>
inline void last_pixels(std::int64_t n, const DepthwiseBlock& b, const __m512* wv, __m512 bias,
                        const float* wbuf, const float* base, std::int64_t rs, float* o) {
  if constexpr (NP > 0) {
    if (n == NP) {
      pixels<NP, SW, K3>(b, wv, bias, wbuf, base, rs, o);
    } else {
      last_pixels<NP - 1, SW, K3>(n, b, wv, bias, wbuf, base, rs, o);
    }
  }
}

// The block's output pixels, row by row, one vector each into out (lane = channel).
template <int SW, bool K3>
void block_outputs(const DepthwiseBlock& b, const float* buffer, const float* wbuf, float* out) {
  const __m512 bias =
      b.bias ? _mm512_maskz_loadu_ps(lanes_between(0, b.channels), b.bias) : _mm512_setzero_ps();
  __m512 wv[9];
  for (int t = 0; t < 9; ++t) wv[t] = K3 ? _mm512_loadu_ps(wbuf + 16 * t) : bias;
  const std::int64_t rs = 16 * b.row_step, sw = SW > 0 ? SW : b.sw;
  for (std::int64_t oh = 0; oh < b.H_out; ++oh) {
    const float* row = buffer + 16 * oh * b.sh * b.cols;
    std::int64_t ow = 0;
    for (; ow + 8 <= b.W_out; ow += 8, out += 128) {
      pixels<8, SW, K3>(b, wv, bias, wbuf, row + 16 * ow * sw, rs, out);
    }
    // The last 1-7 pixels of the row as one group too.
    last_pixels<7, SW, K3>(b.W_out - ow, b, wv, bias, wbuf, row + 16 * ow * sw, rs, out);
    out += 16 * (b.W_out - ow);
  }
}

}  // namespace

void depthwise_avx512_plane(const DepthwisePlane& p, float* y) {
  // 3x3, the kernel of every MobileNet depthwise layer, keeps its weights in registers.
  switch (p.pattern) {
    case TapPattern::row3_stride1:
      plane<9, TapPattern::row3_stride1>(p, y);
      break;
    case TapPattern::row3_stride2:
      plane<9, TapPattern::row3_stride2>(p, y);
      break;
    default:
      if (p.n_taps == 9) {
        plane<9, TapPattern::any>(p, y);
      } else {
        plane<0, TapPattern::any>(p, y);
      }
  }
}

void split_row2_avx512(const float* src, std::int64_t W, std::int64_t pl, std::int64_t n,
                       float* even, float* odd) {
  split_row2(src, W, pl, n, even, odd);
}

void fill_zero_padded_avx512(const float* x, std::int64_t H, std::int64_t W, std::int64_t rows,
                             std::int64_t pt, std::int64_t pl, std::int64_t sh, std::int64_t sw,
                             std::int64_t pitch, std::int64_t phase_size, float* phases) {
  for (std::int64_t ih = 0; ih < H && ih + pt < rows; ++ih) {
    const std::int64_t r = ih + pt;
    float* dst = phases + (r % sh) * sw * phase_size + r / sh * pitch;
    if (sw == 1) {
      for (std::int64_t j = 0; j < W; j += 16) {
        const __mmask16 m = lanes_between(0, W - j);
        _mm512_mask_storeu_ps(dst + pl + j, m, _mm512_maskz_loadu_ps(m, x + ih * W + j));
      }
    } else {
      split_row2(x + ih * W, W, pl, pitch, dst, dst + phase_size);
    }
  }
}

void depthwise_avx512_block(const DepthwiseBlock& b, float* buffer, float* wbuf, float* out,
                            float* y) {
  const std::int64_t last = b.channels - 1;
  __m512 r[16];
  // Weights as one vector per tap (lane = channel).
  for (std::int64_t t0 = 0; t0 < b.n_taps; t0 += 16) {
    load_transposed(b.weights + t0, b.n_taps, last, 0, b.n_taps - t0, r);
    for (int j = 0; j < 16; ++j) _mm512_storeu_ps(wbuf + 16 * (t0 + j), r[j]);
  }
  // A tail of a few pixels (a 7x7 plane is 3 x 16 + 1) is copied element by element: cheaper
  // than a whole transpose.
  constexpr std::int64_t kScalarTail = 4;
  for (std::int64_t p0 = 0; p0 < b.in_pixels; p0 += 16) {
    if (b.in_pixels - p0 <= kScalarTail) {
      for (std::int64_t p = p0; p < b.in_pixels; ++p) {
        float* dst = buffer + 16 * std::int64_t{b.in_slot[p]};
        for (std::int64_t c = 0; c < 16; ++c) dst[c] = b.x[(c < last ? c : last) * b.in_pixels + p];
      }
      break;
    }
    load_transposed(b.x, b.in_pixels, last, p0, b.in_pixels, r);
    const std::int32_t* slot = b.in_slot + p0;
    for (int j = 0; j < 16; ++j) _mm512_storeu_ps(buffer + 16 * std::int64_t{slot[j]}, r[j]);
  }
  if (b.n_border > 0) {
    const __m512i channel = _mm512_maskz_min_epi32(
        kAll, _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(static_cast<int>(last)));
    const __m512i index =
        _mm512_mullo_epi32(channel, _mm512_set1_epi32(static_cast<int>(b.in_pixels)));
    for (std::int64_t k = 0; k < b.n_border; ++k) {
      const std::int32_t src = b.border_src[k];
      const __m512 v =
          src < 0 ? _mm512_setzero_ps()
                  : _mm512_mask_i32gather_ps(_mm512_setzero_ps(), kAll, index, b.x + src, 4);
      _mm512_storeu_ps(buffer + 16 * std::int64_t{b.border_slot[k]}, v);
    }
  }
  const bool k3 = b.kernel3x3 && b.col_step == 1;
  if (k3 && b.sw == 1) {
    block_outputs<1, true>(b, buffer, wbuf, out);
  } else if (k3 && b.sw == 2) {
    block_outputs<2, true>(b, buffer, wbuf, out);
  } else if (k3) {
    block_outputs<0, true>(b, buffer, wbuf, out);
  } else {
    block_outputs<0, false>(b, buffer, wbuf, out);
  }
  // Back to planes, 16 pixels at a time.
  for (std::int64_t p0 = 0; p0 < b.out_pixels; p0 += 16) {
    if (b.out_pixels - p0 <= kScalarTail) {
      for (std::int64_t p = p0; p < b.out_pixels; ++p) {
        for (std::int64_t c = 0; c < b.channels; ++c) y[c * b.out_pixels + p] = out[16 * p + c];
      }
      break;
    }
    for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(out + 16 * (p0 + j));
    transpose16(r);
    const __mmask16 m = lanes_between(0, b.out_pixels - p0);
    for (int c = 0; c < 16; ++c) {
      if (c < b.channels) _mm512_mask_storeu_ps(y + c * b.out_pixels + p0, m, r[c]);
    }
  }
}

}  // namespace convlab::conv2d_detail
