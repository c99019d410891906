// Internal to kernels/conv2d/: the vectorized stages of the Winograd driver (winograd_common.hpp),
// generic over the vector type. The driver calls them through a Stages table, one tile row of one
// channel at a time, so the same driver runs on Vc's 8-float vectors (winograd_common.hpp) and on
// 16-float AVX-512 vectors (winograd_avx512_stages.cpp, compiled with AVX-512 flags).
//
// Free of Vc and of library calls: the AVX-512 unit includes this file, and any function with
// external linkage that it instantiated would be compiled for AVX-512 and could be the copy the
// linker keeps for the whole program. The templates below take the lanes type L as a parameter,
// and the AVX-512 unit's L lives in an anonymous namespace, so its instantiations stay local.
//
// L provides:
//   V, lanes                                   the vector type and its number of floats
//   load(p), store(p, v), broadcast(s)         unaligned, whole vectors
//   load_first(p, n), store_first(p, v, n)     the first n < lanes lanes (the others read as 0)
//   load_tile_columns<M, Count>(u, out)        out[j][lane] = u[M * tile(lane) + j], j < Count
//   store_tile_columns<M>(in, row)             row[M * tile(lane) + j] = in[j][lane], j < M
//   in_order                                   whether tile(lane) = lane
// where tile() is a fixed permutation of the lanes that maps lanes [0, 8) onto tiles [0, 8): a
// row's tile slots are a multiple of kSlotGranule, so a partial last vector is its first 8 lanes.
#pragma once

#include <cstdint>

namespace convlab::winograd_detail {

// Tile slots per tile row are a multiple of this (the Vc vector; half an AVX-512 vector).
inline constexpr std::int64_t kSlotGranule = 8;

// One tile row of one channel, per vector type (see the driver, run_transformed).
struct Stages {
  std::int64_t lanes;
  // band: alpha padded input rows of band_w floats (band_w a multiple of lanes, readable past
  // the last slot's tile: see run_transformed); u: scratch of the same size. Writes
  // v[pos * pos_stride + slot] for slot < slots, pos < alpha^2.
  void (*input)(const float* band, std::int64_t band_w, float* u, std::int64_t slots, float* v,
                std::int64_t pos_stride);
  // Reads mp[pos * pos_stride + slot] for slot < slots; writes m rows of the tile row's outputs
  // plus bias, row i at row + i * row_stride (slots rounded up to lanes, times m, floats each).
  void (*output)(const float* mp, std::int64_t pos_stride, std::int64_t slots, float bias,
                 float* row, std::int64_t row_stride);
  // Run instead when a tile row has fewer slots than `lanes` (nullptr: none): a half-used
  // 16-float vector costs as many instructions as a full 8-float one, with dearer transposes.
  const Stages* narrow = nullptr;
  // Whether slot s of a tile row holds tile s (tile(lane) = lane, AVX-512); the Vc transposes
  // leave the tiles of each vector in a permuted order.
  bool in_order = false;
};

// V[pos][slot] = B^T d B for the tiles of one tile row: columns first, then rows.
template <class T, class L>
void input_tile_row(const float* band, std::int64_t band_w, float* u, std::int64_t slots, float* v,
                    std::int64_t pos_stride) {
  constexpr int m = T::m, a = T::alpha;
  constexpr std::int64_t n = L::lanes;
  using V = typename L::V;
  // Columns first (B^T d): contiguous vectors along the band.
  for (std::int64_t c = 0; c < band_w; c += n) {
    V d[a], o[a];
    for (int i = 0; i < a; ++i) d[i] = L::load(band + i * band_w + c);
    T::input_1d(d, o);
    for (int xi = 0; xi < a; ++xi) L::store(u + xi * band_w + c, o[xi]);
  }
  // Then rows ((B^T d) B), `lanes` tiles per vector after a transpose.
  for (std::int64_t s0 = 0; s0 < slots; s0 += n) {
    const std::int64_t left = slots - s0;
    for (int xi = 0; xi < a; ++xi) {
      V d[a], o[a];
      L::template load_tile_columns<m, a>(u + xi * band_w + s0 * m, d);
      T::input_1d(d, o);
      for (int nu = 0; nu < a; ++nu) {
        float* dst = v + (xi * a + nu) * pos_stride + s0;
        if (left >= n) {
          L::store(dst, o[nu]);
        } else {
          L::store_first(dst, o[nu], static_cast<int>(left));
        }
      }
    }
  }
}

// Y = A^T M A + bias for the tiles of one tile row, stored as m output rows.
template <class T, class L>
void output_tile_row(const float* mp, std::int64_t pos_stride, std::int64_t slots, float bias,
                     float* row, std::int64_t row_stride) {
  constexpr int m = T::m, a = T::alpha;
  constexpr std::int64_t n = L::lanes;
  using V = typename L::V;
  const V bv = L::broadcast(bias);
  for (std::int64_t s0 = 0; s0 < slots; s0 += n) {
    const std::int64_t left = slots - s0;
    V t[m][a];  // A^T M: columns first
    for (int nu = 0; nu < a; ++nu) {
      V col[a], out[m];
      for (int xi = 0; xi < a; ++xi) {
        const float* src = mp + (xi * a + nu) * pos_stride + s0;
        col[xi] = left >= n ? L::load(src) : L::load_first(src, static_cast<int>(left));
      }
      T::output_1d(col, out);
      for (int i = 0; i < m; ++i) t[i][nu] = out[i];
    }
    for (int i = 0; i < m; ++i) {  // (A^T M) A: rows
      V out[m];
      T::output_1d(t[i], out);
      for (int j = 0; j < m; ++j) out[j] = out[j] + bv;
      L::template store_tile_columns<m>(out, row + i * row_stride + s0 * m);
    }
  }
}

template <class T, class L>
constexpr Stages stages_for() {
  return Stages{L::lanes, &input_tile_row<T, L>, &output_tile_row<T, L>, nullptr, L::in_order};
}

// The AVX-512 stages (winograd_avx512_stages.cpp): constants, but their functions may run only
// on CPUs with AVX-512F (gemm_avx512_supported()).
extern const Stages kAvx512StagesF2x3;
extern const Stages kAvx512StagesF4x3;

}  // namespace convlab::winograd_detail
