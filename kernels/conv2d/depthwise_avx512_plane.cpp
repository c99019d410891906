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

// The in-place row form (DepthwiseRows). A strip of output columns walks down the plane one
// input row at a time; each input row is loaded once and adds its terms to every output row
// that reads it. The walkers (walk_s1, walk_s2) hold that row schedule; a layout says how a
// row's taps are loaded and where the sums go: Whole (V vectors of one plane's row from
// column 16 * k0 on) or Pair (rows of at most 7 outputs: two planes side by side, lanes 0-7
// and 8-15, so that a 7x7 plane does not leave 9 of 16 lanes idle). An output row's sum is
// one chain of 9 dependent FMAs, so a walker can take NB bands of rows in lockstep (band b:
// output rows [H_out * b / NB, H_out * (b + 1) / NB)) to keep more chains in flight; see
// strips() for where that paid.

// Walks planes nc = begin, begin + 1, ... with their channel.
struct Plane {
  std::int64_t nc, c;
  const float* x;
  float* y;
  Plane(const DepthwiseRows& g, std::int64_t begin, float* y_all)
      : nc(begin),
        c(begin % g.C),
        x(g.x + begin * g.H * g.W),
        y(y_all + begin * g.H_out * g.W_out) {}
  void next(const DepthwiseRows& g) {
    ++nc;
    x += g.H * g.W;
    y += g.H_out * g.W_out;
    if (++c == g.C) c = 0;
  }
};

template <int NB>
struct Bands {
  std::int64_t begin[NB], end[NB], longest;
  explicit Bands(std::int64_t rows) : begin(), end(), longest(0) {
    for (int b = 0; b < NB; ++b) {
      begin[b] = rows * b / NB;
      end[b] = rows * (b + 1) / NB;
      if (end[b] - begin[b] > longest) longest = end[b] - begin[b];
    }
  }
};

// acc[v] += w[kw] * t[kw][v], kw = 0, 1, 2.
template <int V>
[[gnu::always_inline]] inline void add3(const __m512* w, const __m512 (*t)[V], __m512* acc) {
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    acc[v] = _mm512_fmadd_ps(w[0], t[0][v], acc[v]);
    acc[v] = _mm512_fmadd_ps(w[1], t[1][v], acc[v]);
    acc[v] = _mm512_fmadd_ps(w[2], t[2][v], acc[v]);
  }
}

// Stride 2 with whole rows (pad_left 1): output column m of a vector reads input columns
// 2m - 1, 2m, 2m + 1 of the 32 columns lo, hi after the previous vector's last one. vshufps,
// in-lane and cheap, gives the even (kw 1) and odd (kw 2) columns in the order slot(m) below
// instead of m; the kw 0 columns (odd ones one place earlier, the first from the previous
// vector) take one cross-lane permute, and the sums go back to column order with one more, per
// output vector. slot(m): m < 8 in 128-bit lane m / 2, position m % 2; m >= 8 in lane
// (m - 8) / 2, position 2 + m % 2 (vshufps takes two elements of lo then two of hi per lane).
constexpr int slot_of(int m) {
  return m < 8 ? 4 * (m / 2) + m % 2 : 4 * ((m - 8) / 2) + 2 + m % 2;
}

struct Stride2Index {
  int previous_odd[16];  // slot s of kw 0: odd column m(s) - 1, or lane 15 of the previous
  int column[16];        // column m: slot(m)
  constexpr Stride2Index() : previous_odd(), column() {
    for (int m = 0; m < 16; ++m) {
      column[m] = slot_of(m);
      previous_odd[slot_of(m)] = m == 0 ? 16 + 15 : slot_of(m - 1);
    }
  }
};
constexpr Stride2Index kStride2Index;

// Input rows are prefetched 2 KiB ahead: the planes are read once, mostly from L3, and the
// hardware prefetchers alone left the loads waiting (MobileNet's stride-1 layers 1.0 -> 1.3 of
// oneDNN, stride 2 0.8 -> 1.0; 1 and 4 KiB measured about the same, 4 rows ahead worse on
// narrow planes).
constexpr std::int64_t kPrefetchAhead = 2048 / sizeof(float);

// A strip of V vectors of one plane's rows, output columns 16 * k0 on; stride S (S 2: pad_left
// 1), output column ow reads input columns ow * S - PL + kw. Lanes outside [0, W) load as zero.
template <int V_, int S, int PL>
struct Whole {
  static constexpr int V = V_, planes = 1;
  static constexpr int inputs = S == 1 ? V + 2 : 2 * V + 1;  // input vectors per row
  std::int64_t W, W_out, first, out0;  // first: the column of input vector 0; out0: 16 * k0
  __mmask16 load_mask[inputs], store_mask[V];
  __m512i previous_odd, column;

  Whole(const DepthwiseRows& g, std::int64_t k0)
      : W(g.W), W_out(g.W_out), first(16 * (S * k0 - 1)), out0(16 * k0) {
    for (int j = 0; j < inputs; ++j) {
      const std::int64_t col = first + 16 * j;
      load_mask[j] = lanes_between(-col, W - col);
    }
    for (int v = 0; v < V; ++v) store_mask[v] = lanes_between(0, W_out - 16 * (k0 + v));
    previous_odd = _mm512_loadu_si512(kStride2Index.previous_odd);
    column = _mm512_loadu_si512(kStride2Index.column);
  }
  void weights(const DepthwiseRows& g, const Plane& p, __m512* w, __m512& bias) const {
    for (int t = 0; t < 9; ++t) w[t] = _mm512_set1_ps(g.weights[9 * p.c + t]);
    bias = _mm512_set1_ps(g.bias ? g.bias[p.c] : 0.0f);
  }
  [[gnu::always_inline]] void taps(const float* x, std::int64_t r, __m512 (*t)[V]) const {
    const float* row = x + r * W + first;
#pragma GCC unroll 9
    for (int j = 0; j < inputs; ++j) {
      _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchAhead + 16 * j), _MM_HINT_T0);
    }
    if constexpr (S == 1) {
      __m512 c[inputs];
#pragma GCC unroll 6
      for (int j = 0; j < inputs; ++j) c[j] = _mm512_maskz_loadu_ps(load_mask[j], row + 16 * j);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        if constexpr (PL == 1) {
          t[0][v] = shifted<15>(c[v], c[v + 1]);
          t[1][v] = c[v + 1];
          t[2][v] = shifted<1>(c[v + 1], c[v + 2]);
        } else {
          t[0][v] = c[v + 1];
          t[1][v] = shifted<1>(c[v + 1], c[v + 2]);
          t[2][v] = shifted<2>(c[v + 1], c[v + 2]);
        }
      }
    } else {
      __m512 previous = _mm512_maskz_loadu_ps(load_mask[0], row);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        const __m512 lo = _mm512_maskz_loadu_ps(load_mask[2 * v + 1], row + 16 * (2 * v + 1));
        const __m512 hi = _mm512_maskz_loadu_ps(load_mask[2 * v + 2], row + 16 * (2 * v + 2));
        t[1][v] = _mm512_shuffle_ps(lo, hi, 0x88);
        t[2][v] = _mm512_shuffle_ps(lo, hi, 0xDD);
        t[0][v] = _mm512_permutex2var_ps(t[2][v], previous_odd, previous);
        previous = t[2][v];
      }
    }
  }
  [[gnu::always_inline]] void store(float* y, std::int64_t oh, const __m512* a) const {
    float* out = y + oh * W_out + out0;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const __m512 sums = S == 1 ? a[v] : _mm512_maskz_permutexvar_ps(kAll, column, a[v]);
      _mm512_mask_storeu_ps(out + 16 * v, store_mask[v], sums);
    }
  }
};

// Two planes per vector, for rows of at most 7 outputs (W_out <= 7; stride 1: pad_left 1 and
// W <= 7; stride 2: pad_left 1 and W <= 15), each lane with its plane's weights. Stride 1:
// lanes 8h + ow hold output column ow of plane nc + h; input column c of plane h sits in lane
// 8h + 1 + c, lanes 0 and 8 are the left padding, so kw takes the vector shifted down kw lanes
// (lane 16 is zero). Stride 2: each plane's row comes in with column c at lane c + 1 of its
// own vector (a, b); vshufps of the two gives kw 0 (lanes 4i, 4i + 2: columns 2 ow - 1) and
// kw 1 (4i + 1, 4i + 3) of outputs ow = 2i, 2i + 1 of plane nc (positions 0, 1 of 128-bit lane
// i) and of plane nc + 1 (positions 2, 3), and one single-source permute of the kw 0 vector
// gives kw 2 (columns 2 ow + 1 = 2 (ow + 1) - 1); the sums go back to lanes 8h + ow when
// stored. That is 3 shuffles per row, 1 of them cross-lane, where three two-source permutes
// measured slower (dw12_s2 0.75 -> 0.8 of oneDNN).
template <int S>
struct Pair {
  static constexpr int V = 1, planes = 2;
  // The lanes of plane nc + 1.
  static constexpr __mmask16 kSecond = S == 1 ? 0xFF00 : 0xCCCC;
  std::int64_t W, W_out, plane_in, plane_out;
  __mmask16 low_mask, high_mask, row_mask;
  __m512i kw2, column;

  explicit Pair(const DepthwiseRows& g)
      : W(g.W),
        W_out(g.W_out),
        plane_in(g.H * g.W),
        plane_out(g.H_out * g.W_out),
        low_mask(lanes_between(0, g.W_out)),
        high_mask(lanes_between(8, 8 + g.W_out)),
        row_mask(lanes_between(1, 1 + g.W)),
        kw2(),
        column() {
    int next[16], lanes[16];
    for (int s = 0; s < 16; ++s) {
      const int i = s / 4, p = s % 4;  // p: 0, 1 plane nc (ow 2i + p), 2, 3 plane nc + 1
      next[s] = p % 2 == 0 ? s + 1 : (i < 3 ? s + 3 : s);  // output ow + 1's kw 0 slot
    }
    for (int l = 0; l < 16; ++l) {
      const int h = l / 8, ow = l % 8;
      lanes[l] = 4 * (ow / 2) + 2 * h + ow % 2;
    }
    kw2 = _mm512_loadu_si512(next);
    column = _mm512_loadu_si512(lanes);
  }
  void weights(const DepthwiseRows& g, const Plane& p, __m512* w, __m512& bias) const {
    const std::int64_t c1 = p.c + 1 == g.C ? 0 : p.c + 1;
    for (int t = 0; t < 9; ++t) {
      w[t] = _mm512_mask_blend_ps(kSecond, _mm512_set1_ps(g.weights[9 * p.c + t]),
                                  _mm512_set1_ps(g.weights[9 * c1 + t]));
    }
    bias = g.bias ? _mm512_mask_blend_ps(kSecond, _mm512_set1_ps(g.bias[p.c]),
                                         _mm512_set1_ps(g.bias[c1]))
                  : _mm512_setzero_ps();
  }
  [[gnu::always_inline]] void taps(const float* x, std::int64_t r, __m512 (*t)[1]) const {
    const float* row = x + r * W - 1;
    _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(row + plane_in + kPrefetchAhead), _MM_HINT_T0);
    if constexpr (S == 1) {
      __m512 both = _mm512_maskz_loadu_ps(row_mask, row);
      both = _mm512_mask_loadu_ps(both, static_cast<__mmask16>(row_mask << 8), row + plane_in - 8);
      t[0][0] = both;
      t[1][0] = shifted<1>(both, _mm512_setzero_ps());
      t[2][0] = shifted<2>(both, _mm512_setzero_ps());
    } else {
      const __m512 a = _mm512_maskz_loadu_ps(row_mask, row);
      const __m512 b = _mm512_maskz_loadu_ps(row_mask, row + plane_in);
      t[0][0] = _mm512_shuffle_ps(a, b, 0x88);
      t[1][0] = _mm512_shuffle_ps(a, b, 0xDD);
      t[2][0] = _mm512_maskz_permutexvar_ps(kAll, kw2, t[0][0]);
    }
  }
  [[gnu::always_inline]] void store(float* y, std::int64_t oh, const __m512* a) const {
    const __m512 sums = S == 1 ? a[0] : _mm512_maskz_permutexvar_ps(kAll, column, a[0]);
    _mm512_mask_storeu_ps(y + oh * W_out, low_mask, sums);
    _mm512_mask_storeu_ps(y + plane_out + oh * W_out - 8, high_mask, sums);
  }
};

// Stride 1: input row r adds kernel row kh to output row r + pad_top - kh, kh = 0, 1, 2: a0
// starts a row, a1 and a2 continue the two above it, a2 is then complete, so each output still
// sums its taps in (kh, kw) order. Planes [begin, end), L::planes at a time.
template <class L, int NB>
void walk_s1(const DepthwiseRows& g, const L& layout, std::int64_t begin, std::int64_t end,
             float* y_all) {
  constexpr int V = L::V;
  const Bands<NB> bands(g.H_out);
  for (Plane plane(g, begin, y_all); plane.nc + L::planes <= end; plane.next(g)) {
    __m512 w[9], b0;
    layout.weights(g, plane, w, b0);
    __m512 a1[NB][V], a2[NB][V];
#pragma GCC unroll 4
    for (int b = 0; b < NB; ++b) {
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) a1[b][v] = a2[b][v] = b0;
    }
    for (std::int64_t i = 0; i < bands.longest + 2; ++i) {
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b) {
        __m512 a0[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) a0[v] = b0;
        const std::int64_t r = bands.begin[b] + i - g.pad_top;
        if (r >= 0 && r < g.H) {
          __m512 t[3][V];
          layout.taps(plane.x, r, t);
          add3<V>(w + 6, t, a2[b]);
          add3<V>(w + 3, t, a1[b]);
          add3<V>(w, t, a0);
        }
        const std::int64_t oh = bands.begin[b] + i - 2;  // the row a2 completes
        if (oh >= bands.begin[b] && oh < bands.end[b]) layout.store(plane.y, oh, a2[b]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          a2[b][v] = a1[b][v];
          a1[b][v] = a0[v];
        }
      }
    }
    if constexpr (L::planes == 2) plane.next(g);
  }
}

// Stride 2: output row oh reads input rows 2 * oh - pad_top + kh; the last of them is also the
// first of row oh + 1 (`next`).
template <class L, int NB>
void walk_s2(const DepthwiseRows& g, const L& layout, std::int64_t begin, std::int64_t end,
             float* y_all) {
  constexpr int V = L::V;
  const Bands<NB> bands(g.H_out);
  const auto in_plane = [&](std::int64_t r) { return r >= 0 && r < g.H; };
  for (Plane plane(g, begin, y_all); plane.nc + L::planes <= end; plane.next(g)) {
    __m512 w[9], b0;
    layout.weights(g, plane, w, b0);
    __m512 cur[NB][V];
#pragma GCC unroll 4
    for (int b = 0; b < NB; ++b) {
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) cur[b][v] = b0;
      const std::int64_t r = 2 * bands.begin[b] - g.pad_top;
      if (in_plane(r)) {
        __m512 t[3][V];
        layout.taps(plane.x, r, t);
        add3<V>(w, t, cur[b]);
      }
    }
    for (std::int64_t i = 0; i < bands.longest; ++i) {
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b) {
        const std::int64_t oh = bands.begin[b] + i, r = 2 * oh - g.pad_top;
        __m512 next[V], t[3][V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) next[v] = b0;
        if (in_plane(r + 1)) {
          layout.taps(plane.x, r + 1, t);
          add3<V>(w + 3, t, cur[b]);
        }
        if (in_plane(r + 2)) {
          layout.taps(plane.x, r + 2, t);
          add3<V>(w + 6, t, cur[b]);
          add3<V>(w, t, next);
        }
        if (oh < bands.end[b]) layout.store(plane.y, oh, cur[b]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) cur[b][v] = next[v];
      }
    }
    if constexpr (L::planes == 2) plane.next(g);
  }
}

template <int V, int NB>
void whole(const DepthwiseRows& g, std::int64_t begin, std::int64_t end, float* y,
           std::int64_t k0) {
  if (g.stride == 2) {
    walk_s2<Whole<V, 2, 1>, NB>(g, Whole<V, 2, 1>(g, k0), begin, end, y);
  } else if (g.pad_left == 1) {
    walk_s1<Whole<V, 1, 1>, NB>(g, Whole<V, 1, 1>(g, k0), begin, end, y);
  } else {
    walk_s1<Whole<V, 1, 0>, NB>(g, Whole<V, 1, 0>(g, k0), begin, end, y);
  }
}

// Planes [begin, end), their strip of V output vectors from vector k0 on. Bands: stride 2
// runs 2V chains (the current and the next output row), stride 1 3V; two bands paid for
// stride 2 with 1 or 2 vectors (before the prefetch: dw4_s2 0.7 -> 0.85 of oneDNN, dw6_s2
// 0.7 -> 0.75; after it, no band count measured better), not for stride 1 (dw5 1.2 -> 1.1,
// dw7 unchanged).
void strips(const DepthwiseRows& g, std::int64_t begin, std::int64_t end, float* y, std::int64_t k0,
            std::int64_t V) {
  const bool banded = g.stride == 2;
  switch (V) {
    case 1:
      banded ? whole<1, 2>(g, begin, end, y, k0) : whole<1, 1>(g, begin, end, y, k0);
      break;
    case 2:
      banded ? whole<2, 2>(g, begin, end, y, k0) : whole<2, 1>(g, begin, end, y, k0);
      break;
    case 3:
      whole<3, 1>(g, begin, end, y, k0);
      break;
    default:
      whole<4, 1>(g, begin, end, y, k0);
  }
}

// Two planes per vector: rows of at most 7 outputs.
bool pairs_apply(const DepthwiseRows& g) {
  return g.W_out <= 7 && g.pad_left == 1 && g.W <= (g.stride == 1 ? 7 : 15);
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

void depthwise_avx512_rows(const DepthwiseRows& p, std::int64_t begin, std::int64_t end, float* y) {
  const DepthwiseRows g = p;  // a local copy: the stores to y cannot change it
  const std::int64_t vectors = (g.W_out + 15) / 16;
  if (pairs_apply(g)) {
    const std::int64_t paired = begin + (end - begin) / 2 * 2;
    if (g.stride == 2) {
      walk_s2<Pair<2>, 1>(g, Pair<2>(g), begin, paired, y);
    } else {
      walk_s1<Pair<1>, 1>(g, Pair<1>(g), begin, paired, y);
    }
    begin = paired;  // an odd plane left: whole rows
  }
  if (vectors <= 4) {
    strips(g, begin, end, y, 0, vectors);  // one strip: the per-plane setup is done once
    return;
  }
  for (std::int64_t nc = begin; nc < end; ++nc) {
    for (std::int64_t k0 = 0; k0 < vectors; k0 += 4) {
      strips(g, nc, nc + 1, y, k0, vectors - k0 < 4 ? vectors - k0 : 4);
    }
  }
}

}  // namespace convlab::conv2d_detail
