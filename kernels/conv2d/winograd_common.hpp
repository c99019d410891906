// Internal to kernels/conv2d/: the driver shared by the Winograd variants F(m x m, 3 x 3).
// The transforms themselves (the matrices B^T, G, A^T) are written out in winograd_f2x3.cpp
// and winograd_f4x3.cpp; this file tiles the image and runs the three stages.
//
// With alpha = m + 2, for every output tile (m x m outputs, reading an alpha x alpha input tile
// d that starts at (tr*m - pad_top, tc*m - pad_left)):
//   U = G g G^T        per (oc, ic): the 3x3 kernel g -> alpha x alpha     (in double, once)
//   V = B^T d B        per (ic, tile)                                     (input transform)
//   M[xi][nu] = sum_ic U[xi][nu][oc][ic] * V[xi][nu][ic][tile]  -> alpha^2 GEMMs, one per
//                      transform position: M (C_out/G x tiles) = U (C_out/G x C_in/G) V (C_in/G x
//                      tiles)
//   Y = A^T M A        per (oc, tile): alpha x alpha -> m x m, plus the bias (output transform)
// Output tiles that stick out past H_out/W_out are computed on zero (or padding-mode) input and
// clipped when stored. Outputs whose 3x3 window lies entirely in zero padding (padding >= 3)
// are stored as the bias, exactly as the formula says.
//
// Vectorization: the stages that touch every tile (the input and output transforms) run one tile
// row of one channel at a time through a Stages table (winograd_stages.hpp), generic over the
// vector type: Vc::float_v (8 tiles per vector, VcLanes below) or AVX-512 (16 tiles,
// winograd_avx512_stages.cpp). A vector holds tiles that are adjacent along a tile row. Their
// input columns interleave (tile t starts at column t*m), so a load followed by an in-register
// transpose puts "column j of `lanes` tiles" in one vector. The transposes may leave the tiles
// in a permuted lane order; the output side applies the exact inverse, so the order never
// matters.
//
// The elementwise stage runs on the GEMM core (Product::gemm, the Vc variants) or, in the
// AVX-512 variants, on the kernel of conv2d_direct_oc_avx512 used as a GEMM with vectors along
// the output channels (Product::oc_avx512), which reads V in place instead of packing it.
//
// The weights' work (U, rounded to float and packed into the GEMM's micro-panels, GemmPackedA,
// or into blocks of 32 output channels for the other kernel) depends on w alone: run() does it
// on every call; prepare() does it once and returns a run without it (Variant::prepare), as an
// inference engine does when it loads a layer. Packing U once matters: the per-position GEMMs
// have few columns (tiles), so packing A per product would cost about as much as the products.
//
// Memory: U (alpha^2 * C_out * C_in/G floats, packed) plus, per chunk of tile rows, V and M
// (alpha^2 * (C_in + C_out)/G * tiles in the chunk), sized to stay in the L2 cache, in
// buffers each thread keeps for its later calls.
#pragma once

#include <Vc/Vc>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>
#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/direct_avx512_row.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/conv2d/winograd_stages.hpp"
#include "kernels/conv2d/winograd_transforms.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab::winograd_detail {

// What both Winograd variants accept: a 3x3 kernel, stride 1, dilation 1 ("" when supported).
inline std::string supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (w[2] != 3 || w[3] != 3 || p.stride_h != 1 || p.stride_w != 1 || p.dilation_h != 1 ||
      p.dilation_w != 1) {
    return "needs a 3x3 kernel with stride 1 and dilation 1; got " + std::to_string(w[2]) + "x" +
           std::to_string(w[3]) + ", stride " + std::to_string(p.stride_h) + "x" +
           std::to_string(p.stride_w) + ", dilation " + std::to_string(p.dilation_h) + "x" +
           std::to_string(p.dilation_w);
  }
  return "";
}

using conv2d_detail::Geometry;
using Vc::float_v;

// The Vc lanes for winograd_stages.hpp: 8 floats (AVX2; Vc 1.4 has no AVX-512).
struct VcLanes {
  using V = float_v;
  static constexpr std::int64_t lanes = static_cast<std::int64_t>(float_v::size());
  static constexpr bool in_order = false;  // see load_tile_columns
  static V load(const float* p) { return V(p, Vc::Unaligned); }
  static void store(float* p, const V& v) { v.store(p, Vc::Unaligned); }
  static V broadcast(float s) { return V(s); }
  static V load_first(const float* p, int n) {
    alignas(64) float l[lanes] = {};
    for (int i = 0; i < n; ++i) l[i] = p[i];
    return V(l, Vc::Aligned);
  }
  static void store_first(float* p, const V& v, int n) {
    for (int i = 0; i < n; ++i) p[i] = v[i];
  }

  // out[j][lane] = u[M * tile(lane) + j] for j < Count: columns j of lanes consecutive tiles of
  // width M whose first columns are u[0], u[M], ... tile(lane) is a fixed permutation of the
  // lanes, undone by store_tile_columns (both maps keep lanes 0-7 on tiles 0-7: there are 8).
  template <int M, int Count>
  static void load_tile_columns(const float* u, float_v* out) {
#if defined(__AVX__)
    if constexpr (lanes == 8 && M == 4 && Count == 6) {
      // Two 4x4 transposes per 128-bit half: lanes hold tiles (0, 2, 4, 6 | 1, 3, 5, 7).
      auto transpose = [](const float* s, __m256& c0, __m256& c1, __m256& c2, __m256& c3) {
        const __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + 8);
        const __m256 r2 = _mm256_loadu_ps(s + 16), r3 = _mm256_loadu_ps(s + 24);
        const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
        const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
        c0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
        c1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
        c2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
        c3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
      };
      __m256 c[8];
      transpose(u, c[0], c[1], c[2], c[3]);
      // Columns 4 and 5 of tile t are columns 0 and 1 of the tile one position to the right.
      transpose(u + 4, c[4], c[5], c[6], c[7]);
      for (int j = 0; j < 6; ++j) out[j] = float_v(c[j]);
      return;
    }
    if constexpr (lanes == 8 && M == 2 && Count == 4) {
      // Even/odd split per 128-bit half: lanes hold tiles (0, 1, 4, 5 | 2, 3, 6, 7).
      for (int h = 0; h < 2; ++h) {
        const __m256 r0 = _mm256_loadu_ps(u + 2 * h), r1 = _mm256_loadu_ps(u + 2 * h + 8);
        out[2 * h] = float_v(_mm256_shuffle_ps(r0, r1, _MM_SHUFFLE(2, 0, 2, 0)));
        out[2 * h + 1] = float_v(_mm256_shuffle_ps(r0, r1, _MM_SHUFFLE(3, 1, 3, 1)));
      }
      return;
    }
#endif
    alignas(64) float buf[lanes];
    for (int j = 0; j < Count; ++j) {
      for (std::int64_t l = 0; l < lanes; ++l) buf[l] = u[M * l + j];
      out[j] = float_v(buf, Vc::Aligned);
    }
  }

  // row[M * tile(lane) + j] = in[j][lane] for j < M: writes M * lanes consecutive floats.
  template <int M>
  static void store_tile_columns(const float_v* in, float* row) {
#if defined(__AVX__)
    if constexpr (lanes == 8 && M == 4) {
      const __m256 i0 = in[0].data(), i1 = in[1].data(), i2 = in[2].data(), i3 = in[3].data();
      const __m256 t0 = _mm256_unpacklo_ps(i0, i1), t1 = _mm256_unpackhi_ps(i0, i1);
      const __m256 t2 = _mm256_unpacklo_ps(i2, i3), t3 = _mm256_unpackhi_ps(i2, i3);
      _mm256_storeu_ps(row, _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)));
      _mm256_storeu_ps(row + 8, _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)));
      _mm256_storeu_ps(row + 16, _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)));
      _mm256_storeu_ps(row + 24, _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)));
      return;
    }
    if constexpr (lanes == 8 && M == 2) {
      _mm256_storeu_ps(row, _mm256_unpacklo_ps(in[0].data(), in[1].data()));
      _mm256_storeu_ps(row + 8, _mm256_unpackhi_ps(in[0].data(), in[1].data()));
      return;
    }
#endif
    alignas(64) float buf[lanes];
    for (int j = 0; j < M; ++j) {
      in[j].store(buf, Vc::Aligned);
      for (std::int64_t l = 0; l < lanes; ++l) row[M * l + j] = buf[l];
    }
  }
};

// How the elementwise stage multiplies U[pos] by V[pos]:
//  - gemm: with the GEMM core (gemm()), vectors along the tile slots, V packed per product;
//  - oc_avx512: with the AVX-512 kernel of conv2d_direct_oc_avx512 run as a GEMM
//    (conv2d_detail::direct_oc_avx512_blocks): vectors along the output channels, 32 x 14 tiles,
//    V read in place. Only on CPUs with AVX-512F.
enum class Product { gemm, oc_avx512 };

// A layer's weights transformed and packed once, for one Product: U[pos] of every transform
// position pos and group grp (C_out/G x C_in/G), at u[pos * groups + grp] packed for gemm(), or
// in `blocks` as group pos * groups + grp, in blocks of 32 output channels (the kernel's A).
// Built per call by run(); kept by a caller that runs the same weights many times.
struct TransformedWeights {
  Product product = Product::gemm;
  std::vector<GemmPackedA> u;
  conv2d_detail::PackedWeights blocks;
};

// T provides: m, alpha, and the written-out 1-D transforms
//   weight_1d(const double g[3], double out[alpha])       out = G g
//   input_1d(const V d[alpha], V out[alpha])              out = B^T d
//   output_1d(const V t[alpha], V out[m])                 out = A^T t
// applied to columns and then to rows: G g G^T = G (G g)^T ^T, and likewise for B and A.
// U = G g G^T for every (oc, ic), in double and rounded once, then packed. The raw U is laid
// out U[pos][oc][ic], pos = xi * alpha + nu: the loops read w in its own order and write
// alpha^2 sequential streams, so the transform runs at memory speed. Seen as weights of
// alpha^2 * C_out channels, 1x1, in alpha^2 * G groups, it is what pack_weights takes.
template <class T>
TransformedWeights transform_weights(const Tensor<float>& w, std::int64_t groups, Product product) {
  constexpr int a = T::alpha, P = a * a;
  struct {
    std::int64_t C_out, C_in_g, groups, C_out_g;
  } const g{w.dim(0), w.dim(1), groups, w.dim(0) / groups};
  const std::int64_t plane = g.C_out * g.C_in_g;
  Tensor<float> U(Shape{P * g.C_out, g.C_in_g, 1, 1});
  for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
    for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
      const float* k = w.data() + (oc * g.C_in_g + ic) * 9;
      double cols[a][3];  // G g: one transformed column per kernel column
      for (int c = 0; c < 3; ++c) {
        const double col[3] = {k[c], k[3 + c], k[6 + c]};
        double out[a];
        T::weight_1d(col, out);
        for (int xi = 0; xi < a; ++xi) cols[xi][c] = out[xi];
      }
      float* u = U.data() + oc * g.C_in_g + ic;
      for (int xi = 0; xi < a; ++xi) {
        double out[a];
        T::weight_1d(cols[xi], out);
        for (int nu = 0; nu < a; ++nu) u[(xi * a + nu) * plane] = static_cast<float>(out[nu]);
      }
    }
  }
  TransformedWeights t;
  t.product = product;
  if (product == Product::oc_avx512) {
    t.blocks = conv2d_detail::pack_weights(U, Tensor<float>(), P * g.groups,
                                           conv2d_detail::kAvx512OcBlock);
    return t;
  }
  t.u.reserve(static_cast<std::size_t>(P * g.groups));
  for (int pos = 0; pos < P; ++pos) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      t.u.emplace_back(U.data() + (pos * g.C_out + grp * g.C_out_g) * g.C_in_g, g.C_in_g, false,
                       g.C_out_g, g.C_in_g);
    }
  }
  return t;
}

// The convolution with the weights already transformed (transform_weights<T>), its input and
// output transforms run by `st` (stages_for<T, L>() or an AVX-512 table).
template <class T>
void run_transformed(const Stages& stages, const Geometry& g, const TransformedWeights& U,
                     const Tensor<float>& x, const Tensor<float>& b, Tensor<float>& y) {
  constexpr int m = T::m, a = T::alpha, P = a * a;

  const std::int64_t th = (g.H_out + m - 1) / m, tw = (g.W_out + m - 1) / m;
  // Tile slots per tile row: a multiple of 8, not of the lanes, so 16-float vectors do not
  // double the GEMMs' N on narrow images (7 tiles of 4 per 28-wide row); the stages take a
  // partial last vector.
  const std::int64_t twp = (tw + kSlotGranule - 1) / kSlotGranule * kSlotGranule;
  // The narrow stages (rows of at most 8 tiles) only with the GEMM: they leave the tiles out of
  // order, and the output-channel kernel gains more from the tw-slot rows below than the
  // narrow stages save (F4 with the in-order AVX-512 stages instead of the Vc ones: ResNet-50
  // res4_3x3 384 vs 209 GFLOP/s, res5_3x3 153 vs 74, AlexNet conv3-5 1.6-2.7x; F2 res5_3x3 236
  // vs 122; bench_variants, one process each).
  const bool by_oc = U.product == Product::oc_avx512;
  const Stages& st =
      stages.narrow != nullptr && twp < stages.lanes && !by_oc ? *stages.narrow : stages;
  const std::int64_t lanes = st.lanes;
  const std::int64_t span = (twp + lanes - 1) / lanes * lanes;  // slots the vectors cover
  // Band columns: every slot the vectors cover plus the overlap, and the loads of the last
  // transposes.
  const std::int64_t band_w = (span * m + m + lanes - 1) / lanes * lanes;
  // Tile rows of a chunk lie `step` slots apart. With stages that keep the tiles in order
  // (slot s holds tile s) that is tw: the stages read and write twp slots per row, and the next
  // row overwrites the last twp - tw of them (tiles past tw, never stored), so the products'
  // N is rows * tw and not rows * twp (F4 on 7x7 maps: 4 columns instead of 16). The Vc
  // stages' slots past tw may hold real tiles: twp.
  // Tile rows per chunk: V and M of one chunk within ~1 MiB (this machine's L2), but at least
  // 64 columns, so that the products' N fills two of the GEMM's 32-wide micro-tiles, or four
  // and a half of the output-channel kernel's 14-wide tiles, even when one tile row holds only
  // a few tiles (14x14 images: 512 channels put one tile row at 512 KiB). Measured on VGG-16
  // and ResNet-50 3x3 layers against 512 KiB and no minimum: 1.3-2.5x faster on 14x14 and
  // 28x28 images, the same on larger ones. For the output-channel kernel, 28 and 128 columns
  // and 512 KiB or 2 MiB were no better (28 columns: 0.8x on ResNet-50 res2_3x3 with F4).
  const std::int64_t step = st.in_order ? tw : twp;
  const std::int64_t row_bytes = (g.C_in_g + g.C_out_g) * P * step * 4;
  const std::int64_t R =
      std::clamp<std::int64_t>(std::max((1 << 20) / row_bytes, (64 + step - 1) / step), 1, th);
  const std::int64_t S = (R - 1) * step + twp;  // slots per channel of a chunk
  // Transform positions lie a multiple of 4 KiB plus one cache line apart (pos_floats): the
  // stages read or write all alpha^2 of them at once, and at a multiple of 4 KiB (64 or 256
  // channels times a multiple of 16 slots) those 16 or 36 streams fall into the same L1 sets.
  // Measured (bench_variants, one process each, GFLOP/s): conv2d_winograd_f4x3+prepared on
  // ResNet-50 res2_3x3 189 -> 375, on VGG-16 conv1_2 191 -> 368, conv3_2 382 -> 517.
  auto pos_floats = [](std::int64_t n) { return (n + 1023) / 1024 * 1024 + 16; };
  const std::int64_t vps = pos_floats(g.C_in_g * S), mps = pos_floats(g.C_out_g * S);

  using conv2d_detail::scratch;
  float* const V = scratch(0, static_cast<std::size_t>(P * vps));
  float* const Mt = scratch(1, static_cast<std::size_t>(P * mps));
  float* const band = scratch(2, static_cast<std::size_t>(a * band_w));
  float* const u = scratch(3, static_cast<std::size_t>(a * band_w));
  float* const rowbuf = scratch(4, static_cast<std::size_t>(m * span * m));
  // Product::oc_avx512: the kernel's sums between passes over C_in/G, and V[pos]'s rows.
  float* const partial = by_oc
                             ? scratch(5, static_cast<std::size_t>(conv2d_detail::oc_partial_floats(
                                              U.blocks.blocks_per_group, 1, R * step)))
                             : nullptr;
  std::vector<const float*> v_rows(static_cast<std::size_t>(by_oc ? g.C_in_g : 0));

  // Columns that tiles below tw read (they cover the padded row); the band's columns past them
  // only feed slots that are never stored and stay zero, set once here: with 16 lanes they are
  // most of the band on narrow images, and fill_padded_row writes them one at a time.
  const std::int64_t used = std::min(band_w, tw * m + (a - m));
  for (int i = 0; i < a; ++i) std::fill(band + i * band_w + used, band + (i + 1) * band_w, 0.0f);

  const bool zero_pad = g.mode == PaddingMode::zeros;
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      for (std::int64_t tr0 = 0; tr0 < th; tr0 += R) {
        const std::int64_t rows = std::min(R, th - tr0);

        // Input transform: V[pos][ic][slot] at V + pos * vps + ic * S + slot, slot = r * step +
        // tile slot in the row.
        for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
          const float* xc = x.data() + (n * g.C_in + grp * g.C_in_g + ic) * g.H * g.W;
          for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t tr = tr0 + r;
            for (int i = 0; i < a; ++i) {
              const std::int64_t ih = tr * m + i - g.pt;
              const float* src = nullptr;
              if (ih >= -g.pt && ih < g.H + g.pb) {
                const std::int64_t s = ref::source_index(ih, g.H, g.mode);
                if (s >= 0) src = xc + s * g.W;
              }
              if (src == nullptr) {
                std::fill(band + i * band_w, band + i * band_w + used, 0.0f);
              } else {
                conv2d_detail::fill_padded_row(g, src, band + i * band_w, used);
              }
            }
            st.input(band, band_w, u, twp, V + ic * S + r * step, vps);
          }
        }

        // The elementwise stage as alpha^2 GEMMs:
        //   M[pos] (C_out/G x rows*step) = U[pos][group] (C_out/G x C_in/G) * V[pos] (C_in/G x
        //   rows*step)
        // With the output-channel kernel, block after block of 32 channels (all passes over
        // C_in/G of one block, then the next), so U is read once, in order, from start to end,
        // and each term prefetches the weights 32 terms (4 KiB) ahead: U is read from memory
        // once per chunk and the hardware prefetcher alone left the kernel waiting on it.
        // Measured on its own (K = C_out = 512, 49 columns, 36 positions: U 38 MB): 110 GFLOP/s
        // in the kernel's own order (passes outside the blocks), 124 block after block, 165
        // with the prefetch; 190-210 with U in the L2 cache.
        for (int pos = 0; pos < P; ++pos) {
          const std::int64_t at = pos * g.groups + grp;
          if (by_oc) {
            for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
              v_rows[static_cast<std::size_t>(ic)] = V + pos * vps + ic * S;
            }
            conv2d_detail::OcBlocksArgs o{};
            o.row.KW = o.row.sw = o.row.dw = 1;
            o.row.plane = S;
            o.row.cols = rows * step;
            o.rows = v_rows.data();
            o.n_rows = g.C_in_g;
            o.calls = 1;
            o.weights = U.blocks.weights(at, 0);
            o.block_size = U.blocks.block_size;
            o.bias = U.blocks.bias(at, 0);
            o.M = g.C_out_g;
            o.y = Mt + pos * mps;
            o.partial = partial;
            o.blocks_outer = true;
            o.row.prefetch = 32 * conv2d_detail::kAvx512OcBlock;
            conv2d_detail::direct_oc_avx512_blocks(o);
            continue;
          }
          GemmProblem gp;
          gp.M = g.C_out_g;
          gp.N = rows * step;
          gp.K = g.C_in_g;
          gp.B = V + pos * vps;
          gp.ldb = S;
          gp.C = Mt + pos * mps;
          gp.ldc = S;
          gemm(U.u[static_cast<std::size_t>(at)], gp);
        }

        // Output transform, bias, and the clipped store.
        for (std::int64_t oc = 0; oc < g.C_out_g; ++oc) {
          const std::int64_t oc_abs = grp * g.C_out_g + oc;
          const float bias = b.empty() ? 0.0f : b[oc_abs];
          float* yc = y.data() + (n * g.C_out + oc_abs) * g.H_out * g.W_out;
          for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t tr = tr0 + r;
            st.output(Mt + oc * S + r * step, mps, twp, bias, rowbuf, span * m);
            for (int i = 0; i < m; ++i) {
              const std::int64_t oh = tr * m + i;
              if (oh >= g.H_out) break;
              float* yr = yc + oh * g.W_out;
              std::memcpy(yr, rowbuf + i * span * m,
                          static_cast<std::size_t>(g.W_out) * sizeof(float));
              if (!zero_pad) continue;
              // An output whose whole window lies in the zero padding is its bias. The
              // transforms would give it the bias plus rounding errors of the tile's other
              // inputs, which its own (empty) window does not bound.
              if (oh < g.pt - 2 || oh >= g.H + g.pt) {
                std::fill(yr, yr + g.W_out, bias);
              } else {
                std::fill(yr, yr + std::clamp<std::int64_t>(g.pl - 2, 0, g.W_out), bias);
                std::fill(yr + std::min(g.W + g.pl, g.W_out), yr + g.W_out, bias);
              }
            }
          }
        }
      }
    }
  }
}

template <class T>
void run(const Stages& st, Product product, const Geometry& g, const Tensor<float>& x,
         const Tensor<float>& w, const Tensor<float>& b, Tensor<float>& y) {
  run_transformed<T>(st, g, transform_weights<T>(w, g.groups, product), x, b, y);
}

// Variant::prepare for a Winograd variant: the weights transformed and packed once.
// `supports_fn` is the variant's own check (the AVX-512 ones add the CPU's).
template <class T>
Conv2dPreparedRun prepare(std::string_view variant, conv2d_detail::Conv2dSupportsFn supports_fn,
                          const Stages& st, Product product, const Tensor<float>& x,
                          const Tensor<float>& w, const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_with(
      variant, supports_fn, x, w, b, p,
      [&w, &p, product] { return transform_weights<T>(w, p.groups, product); },
      [st](const Geometry& g, const TransformedWeights& u, const Tensor<float>& x,
           const Tensor<float>&, const Tensor<float>& b,
           Tensor<float>& y) { run_transformed<T>(st, g, u, x, b, y); });
}

}  // namespace convlab::winograd_detail
