// The AVX-512 inner loop of conv2d_direct_oc_avx512 (see direct_avx512_row.hpp). Compiled with
// -mavx512f whatever CONVLAB_ISA selects, and free of library calls for the reason given in
// direct_avx512_row.cpp.
#include <immintrin.h>

#include "kernels/conv2d/avx512_transpose.hpp"
#include "kernels/conv2d/direct_avx512_row.hpp"

namespace convlab::conv2d_detail {
namespace {

constexpr int kOc = static_cast<int>(kAvx512OcBlock);  // 32 channels: 2 vectors
constexpr int kCols = static_cast<int>(kAvx512OcColumns);
constexpr std::int64_t kPartialPerTile = kAvx512OcBlock * kAvx512OcColumns;
constexpr int kWrap = static_cast<int>(kAvx512OcWrap);

// NV vectors of 16 channels x OWB columns from column c0, stride S (0: the runtime sw). The
// input is broadcast one value at a time, so its stride costs nothing. WO > 0: the columns
// are the positions of output rows WO wide (a narrow map), the tile starting at a row's start
// and reading the next row's input row_step floats further on. A pass covers the rows
// [0, n_rows) of this call; between passes the sums wait in `partial` (stored and reloaded
// exactly, so the additions happen in the same order as in one pass). After the last pass the
// tile is transposed in registers so that each channel's OWB outputs go to y with one masked
// store.
// [docs:direct-oc-avx512-tile]
template <int NV, int OWB, int S, int WO>
void tile(const OcRowArgs& a, std::int64_t c0) {
  const std::int64_t sw = S == 0 ? a.sw : S;
  // Where column j's input is, from the tile's first one.
  auto at = [&](int j) -> std::int64_t {
    if constexpr (WO > 0) return j / WO * a.row_step + j % WO * sw;
    return j * sw;
  };
  std::int64_t start = c0 * sw;
  if constexpr (WO > 0) start = c0 / WO * a.row_step;
  float* partial = a.partial + c0 / kCols * kPartialPerTile;
  __m512 acc[NV][OWB];
  for (int v = 0; v < NV; ++v) {
    const __m512 bias = _mm512_loadu_ps(a.bias + 16 * v);
    for (int j = 0; j < OWB; ++j) {
      acc[v][j] = a.first ? bias : _mm512_loadu_ps(partial + (v * kCols + j) * 16);
    }
  }
  for (std::int64_t ick = 0; ick < a.n_rows; ++ick) {
    const float* row = a.rows[ick];
    const float* wk = a.wq + ick * a.KW * kOc;
    for (std::int64_t kw = 0; kw < a.KW; ++kw) {
      const float* xp = row + start + kw * a.dw;
      if (a.prefetch) {
        _mm_prefetch(reinterpret_cast<const char*>(wk + kw * kOc + a.prefetch), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(wk + kw * kOc + a.prefetch + 16), _MM_HINT_T0);
      }
      __m512 wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = _mm512_loadu_ps(wk + kw * kOc + 16 * v);
      for (int j = 0; j < OWB; ++j) {
        const __m512 xs = _mm512_set1_ps(xp[at(j)]);
        for (int v = 0; v < NV; ++v) acc[v][j] = _mm512_fmadd_ps(wv[v], xs, acc[v][j]);
      }
    }
  }
  if (!a.last) {
    for (int v = 0; v < NV; ++v) {
      for (int j = 0; j < OWB; ++j) _mm512_storeu_ps(partial + (v * kCols + j) * 16, acc[v][j]);
    }
    return;
  }
  const __mmask16 columns = static_cast<__mmask16>((1u << OWB) - 1);
  for (int v = 0; v < NV; ++v) {
    __m512 r[16];
    for (int j = 0; j < 16; ++j) r[j] = j < OWB ? acc[v][j] : _mm512_setzero_ps();
    transpose16(r);
    if (c0 + 16 <= a.cols) {
      // Whole vectors: the 16 - OWB columns past the tile belong to the next tile of this
      // row, which overwrites them (AMD's masked stores are much slower than plain ones).
      for (int l = 0; l < 16; ++l) {
        if (16 * v + l >= a.ocb) break;  // channels past the block's end had zero weights
        _mm512_storeu_ps(a.y0 + (16 * v + l) * a.plane + c0, r[l]);
      }
      continue;
    }
    for (int l = 0; l < 16; ++l) {
      if (16 * v + l >= a.ocb) break;
      _mm512_mask_storeu_ps(a.y0 + (16 * v + l) * a.plane + c0, columns, r[l]);
    }
  }
}
// [docs:end]

// The tail tile of `cols` (< kCols) columns.
template <int NV, int S, int OWB = kCols - 1>
void tail(const OcRowArgs& a, std::int64_t c0, std::int64_t cols) {
  if constexpr (OWB >= 1) {
    if (cols == OWB) return tile<NV, OWB, S, 0>(a, c0);
    tail<NV, S, OWB - 1>(a, c0, cols);
  }
}

template <int NV, int S>
void row(const OcRowArgs& a) {
  std::int64_t c = 0;
  if (a.wrap == kWrap) {  // two output rows per tile, and one row at the end
    for (; c + kCols <= a.cols; c += kCols) tile<NV, kCols, S, kWrap>(a, c);
    if (c < a.cols) tile<NV, kWrap, S, kWrap>(a, c);
    return;
  }
  // A tail of 1-3 columns holds 2-6 accumulators (NV = 2), too few to hide the FMAs' latency:
  // it and the last whole tile run as two halves instead. Measured on its own (K = 256, 16
  // columns, Winograd's elementwise stage on 14x14 maps with F4): 14 + 2 columns 152 GFLOP/s,
  // 8 + 8 190; 30 columns (14 + 14 + 2 -> 14 + 8 + 8): 171 -> 197.
  const std::int64_t rest = a.cols % kCols;
  const std::int64_t end = a.cols - rest - (a.cols > kCols && rest < 4 && rest > 0 ? kCols : 0);
  for (; c < end; c += kCols) tile<NV, kCols, S, 0>(a, c);
  const std::int64_t left = a.cols - c;
  if (left > kCols) {
    const std::int64_t half = left / 2;
    tail<NV, S>(a, c, half);
    OcRowArgs second = a;  // its sums between passes take the next tile's place
    second.partial += kPartialPerTile;
    tail<NV, S>(second, c + half, left - half);
  } else if (left > 0) {
    tail<NV, S>(a, c, left);
  }
}

template <int NV>
void row_any_stride(const OcRowArgs& a) {
  switch (a.sw) {
    case 1:
      return row<NV, 1>(a);
    case 2:
      return row<NV, 2>(a);
    case 4:
      return row<NV, 4>(a);
    default:
      return row<NV, 0>(a);
  }
}

}  // namespace

void direct_oc_avx512_row(const OcRowArgs& a) {
  if (a.ocb > 16) {
    row_any_stride<2>(a);
  } else {
    row_any_stride<1>(a);
  }
}

}  // namespace convlab::conv2d_detail
