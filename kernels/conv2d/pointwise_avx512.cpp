// conv2d_1x1_avx512: a 1x1 convolution (stride 1, no padding) as a matrix product with a
// register tile along the positions and no packing of the input beyond one compact copy.
//
//   y[n][oc][p] = b[oc] + sum_{ic} w[oc][ic] * x[n][ic][p]   (p: the H*W positions, per group)
//
// Parent: conv2d_1x1_gemm. What this adds: with few input channels (32 or 64) each output sums
// only that many terms, so whatever a tile costs besides its FMAs weighs heavily: the GEMM core
// packs the input into panels on every call, and conv2d_direct_oc_avx512 transposes every tile
// before storing it. Here the tile is 8 output channels x 48 positions (24 AVX-512
// accumulators): for every input channel, three vectors of 16 positions are loaded and each of
// 8 broadcast weights feeds three FMAs; the tile is then stored as it stands, 8 rows of y. A
// chunk of positions is copied once into compact rows (its input, ~32 KiB, then stays in L1
// while every block of 8 channels reads it; read in place, the rows lie a plane apart and
// fall into a few cache sets). Channel tails are zero weights, never stored; position tails
// are masked stores.
// When it wins (bench_variants, one process, ratio to oneDNN): MobileNet v1 pw1 0.82 and pw2
// 0.83 (conv2d_direct_oc_avx512 0.67, 0.75; the GEMM 0.66, 0.71), ResNet-50 res2_1x1_reduce
// 0.83 (0.68, 0.60), 0.87-0.96 on the 28x28 and 14x14 layers. Not on 7x7 maps (49 positions
// are a tile of 48 and one of 1), where conv2d_direct_oc_avx512 leads.
// Jobs (chunks of positions) are independent, so OpenMP splits them; each output is computed
// by one thread in the same order whatever the number of threads. Prepared form
// (Variant::prepare): the weights packed into blocks of 8 channels once. Memory: the packed
// weights and one chunk's rows per thread (kept between calls).
// Accuracy: one float FMA chain over the input channels per output, from the bias on, as
// conv2d_direct_vc_oc (the same bits, tested).
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/pointwise_avx512_tile.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {

std::string conv2d_1x1_avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (!gemm_avx512_supported()) return "this CPU has no AVX-512F";
  return conv2d_1x1_gemm_supports(p, x, w);  // the same problems: 1x1, stride 1, no padding
}

namespace {

using conv2d_detail::Geometry;
using conv2d_detail::PackedWeights;

// [docs:pointwise-avx512-run]
void run(const Geometry& g, const PackedWeights& pw, const Tensor<float>& x, const Tensor<float>& b,
         Tensor<float>& y) {
  using namespace conv2d_detail;
  const std::int64_t block = kPointwiseBlock, tile = kPointwiseColumns;
  const std::vector<float> bias = pack_bias(b, g.groups, g.C_out_g, block);
  const std::int64_t P = g.H * g.W, K = g.C_in_g;
  // Positions per chunk: whole tiles whose input (K x chunk floats) fits in ~32 KiB.
  const std::int64_t chunk = std::max<std::int64_t>(1, 32 * 1024 / 4 / K / tile) * tile;
  const std::int64_t chunks = (P + chunk - 1) / chunk;
  const std::int64_t jobs = g.N * g.groups * chunks;
  // Threads only pay off above ~1 MFLOP: waking them costs more on small problems.
  const bool parallel = g.N * g.C_out * P * K > (std::int64_t{1} << 20);
  parallel_region(parallel, [&] {
    // The chunk's input, copied into K compact rows of `chunk` floats (whole vectors past the
    // last position): read in place, the rows of a chunk lie a plane apart and map to a few
    // cache sets (a 112x112 plane: 4 of L1's 64), so they evict each other while the blocks of
    // channels reread them.
    float* rows = scratch(0, static_cast<std::size_t>(K * chunk));
#pragma omp for schedule(static)
    for (std::int64_t job = 0; job < jobs; ++job) {
      const std::int64_t c = job % chunks, grp = job / chunks % g.groups;
      const std::int64_t n = job / (chunks * g.groups);
      const std::int64_t p0 = c * chunk, cols = std::min(chunk, P - p0);
      const float* xg = x.data() + (n * g.C_in + grp * g.C_in_g) * P + p0;
      for (std::int64_t k = 0; k < K; ++k) std::copy_n(xg + k * P, cols, rows + k * chunk);
      PointwiseArgs args{};
      args.x = rows;
      args.K = K;
      args.ldx = chunk;
      args.P = P;
      args.p_begin = 0;
      args.p_end = cols;
      for (std::int64_t blk = 0; blk < pw.blocks_per_group; ++blk) {
        args.wq = pw.weights(grp, blk);
        args.bias = bias.data() + (grp * pw.blocks_per_group + blk) * block;
        args.ocb = std::min(block, g.C_out_g - blk * block);
        args.y = y.data() + (n * g.C_out + grp * g.C_out_g + blk * block) * P + p0;
        pointwise_avx512_block(args);
      }
    }
  });
}
// [docs:end]

}  // namespace

void conv2d_1x1_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                       const Conv2dParams& p, Tensor<float>& y) {
  conv2d_detail::run_blocked_weights("conv2d_1x1_avx512", conv2d_1x1_avx512_supports,
                                     conv2d_detail::kPointwiseBlock, run, x, w, b, p, y);
}

Conv2dPreparedRun conv2d_1x1_avx512_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                            const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_blocked_weights("conv2d_1x1_avx512", conv2d_1x1_avx512_supports,
                                                conv2d_detail::kPointwiseBlock, run, x, w, b, p);
}

}  // namespace convlab
