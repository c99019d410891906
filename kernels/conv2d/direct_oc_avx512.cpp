// conv2d_direct_oc_avx512: conv2d_direct_vc_oc's algorithm with AVX-512 registers, and threads.
//
// Parent: conv2d_direct_vc_oc. What this adds: a tile of 32 output channels (2 vectors of 16) x
// 14 output columns, 28 of the 32 zmm registers, against 16 x 6 with Vc's AVX2. Each weight
// vector feeds 14 FMAs and each broadcast input value 2, so the loop is bound by the FMA units,
// not by loads. Vectors run along the output channels, so the input is only ever broadcast one
// value at a time: any stride costs the same, and nothing is lost to a narrow or odd output
// width (a 7x7 map is 7 columns, not a 16-lane vector with 9 idle lanes). The price is a
// transpose: the tile holds 14 columns per channel vector and NCHW wants 14 contiguous columns
// per channel, so it is transposed in registers (16 x 16, 64 shuffles per vector of channels)
// before its masked stores, once per tile and not per term.
//
// The loops around the tile, in the spirit of a blocked GEMM (M = output channels, N = output
// positions, K = (ic, kh, kw)):
//  - a job (one thread's unit of work) copies the padded input rows its output rows read into
//    one compact buffer (zeros for rows of zero padding), so a tile's broadcasts touch a few
//    pages instead of one page per input channel;
//  - the input rows are taken in passes short enough that one block's weights for a pass
//    (~32 KiB) stay in L1 while every tile of the job reads them; between passes a tile's sums
//    wait in a buffer, stored and reloaded exactly, so the order of the additions is that of
//    one pass;
//  - a 1x1 kernel with stride 1 and no padding reads each plane as one row of H*W columns
//    (split into column ranges), so its tiles run across row ends; maps 7 wide (ResNet-50's
//    last stage) take tiles of two output rows, 14 columns instead of 7.
// Measured against conv2d_1x1_gemm and conv2d_im2col_gemm (bench_variants, one run): ahead on
// strided and large kernels (ResNet-50 conv1 and the stride-2 3x3 layers, AlexNet conv1 and
// conv2) and on 7x7 maps; level with the GEMM on 1x1 layers with many input channels; behind
// where K is short (32 or 64 input channels), where the transpose is a larger share of a tile.
//
// Jobs are independent, so OpenMP splits them; each output is computed by one thread in the
// same (ic, kh, kw) order whatever the number of threads. Prepared form (Variant::prepare):
// the weights packed into blocks of 32 channels once. Memory: the packed weights, one job's
// input rows and running sums per thread (kept between calls).
// Accuracy: each output is one float dot product (FMA) over (ic, kh, kw), the plain bound.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/direct_avx512_row.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {

std::string conv2d_direct_oc_avx512_supports(const Conv2dParams&, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (!gemm_avx512_supported()) return "this CPU has no AVX-512F";
  return "";
}

namespace {

using conv2d_detail::Geometry;
using conv2d_detail::PackedWeights;

// [docs:direct-oc-avx512-run]
void run(const Geometry& g, const PackedWeights& pw, const Tensor<float>& x, const Tensor<float>& b,
         Tensor<float>& y) {
  using namespace conv2d_detail;
  const std::int64_t block = kAvx512OcBlock, tile = kAvx512OcColumns;
  const std::vector<float> bias = pack_bias(b, g.groups, g.C_out_g, block);
  // v: the problem as the loops below see it. A 1x1 kernel with stride 1 and no padding reads
  // each plane as one row of H*W columns.
  Geometry v = g;
  const bool flat = g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pb == 0 &&
                    g.pl == 0 && g.pr == 0;
  if (flat) {
    v.W = v.W_out = g.H * g.W;
    v.H = v.H_out = 1;
  }
  // 7 columns wide (ResNet-50's last stage): tiles of two output rows (wrap), which are
  // contiguous in y; their input rows lie row_step = sh * width floats apart in the buffer.
  const bool wrap = !flat && g.W_out == kAvx512OcWrap;
  const std::int64_t n_rows = g.C_in_g * g.KH, plane = g.H_out * g.W_out;
  // A job: `range` columns of R output rows. Narrow maps take several rows, so that a block's
  // weights serve ~4 tiles before the next block's are read (wrap: one thread's share of the
  // rows); a flat plane is split into ranges of whole tiles whose input takes ~256 KiB.
  const std::int64_t range =
      flat ? std::clamp<std::int64_t>(256 * 1024 / 4 / n_rows / tile, 1, 16) * tile : v.W_out;
  const std::int64_t threads = omp_get_max_threads();
  const std::int64_t share = (v.H_out + threads - 1) / threads;
  const std::int64_t R =
      wrap ? share : std::clamp<std::int64_t>((4 * tile + v.W_out - 1) / v.W_out, 1, share);
  const std::int64_t splits = (v.W_out + range - 1) / range, row_groups = (v.H_out + R - 1) / R;
  // The job's buffer: per channel, in_rows padded input rows of `width` floats.
  const std::int64_t in_rows = (R - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  const std::int64_t width = (std::min(range, v.W_out) - 1) * g.sw + (g.KW - 1) * g.dw + 1;
  const std::int64_t calls = wrap ? 1 : R;  // row-kernel calls per block and pass
  const std::int64_t max_cols = wrap ? R * v.W_out : std::min(range, v.W_out);
  const std::int64_t jobs = g.N * g.groups * row_groups * splits;
  // Threads only pay off above ~1 MFLOP: waking them costs more on small problems.
  const bool parallel = g.N * g.C_out * plane * n_rows * g.KW > (std::int64_t{1} << 20);
  // Weights larger than L2 (1 MiB) come from L3 or memory for the first tile of each pass of a
  // block: then every term prefetches 4 KiB ahead. Measured on ResNet-50's res5 layers (2-8 MiB
  // of weights, 3-4 tiles per pass; bench_variants, medians of 3, ratio to oneDNN): downsample
  // 0.65 -> 0.84, 3x3 0.67 -> 0.71, 1x1_expand 0.85 -> 0.88; level on VGG-16 and AlexNet,
  // whose many tiles per pass find the weights in L1 anyway. Reading one block's weights
  // through all its passes at once (blocks_outer) lost instead (0.72-0.75 on res4's 1x1
  // layers): each pass's input rows are then reread from L2 by every block.
  const std::int64_t prefetch = pw.blocks_per_group * pw.block_size * 4 > (1 << 20) ? 1024 : 0;
  parallel_region(parallel, [&] {
    // Kept between calls. rows[r * n_rows + ick]: the input row that output row r of the job
    // reads for (ic, kh).
    float* buffer = scratch(0, static_cast<std::size_t>(g.C_in_g * in_rows * width));
    float* partial = scratch(
        1, static_cast<std::size_t>(oc_partial_floats(pw.blocks_per_group, calls, max_cols)));
    std::vector<const float*> rows(static_cast<std::size_t>(R * n_rows));
    std::vector<bool> filled(static_cast<std::size_t>(in_rows));
#pragma omp for schedule(static)
    for (std::int64_t job = 0; job < jobs; ++job) {
      const std::int64_t split = job % splits, rg = job / splits % row_groups;
      const std::int64_t grp = job / (splits * row_groups) % g.groups;
      const std::int64_t n = job / (splits * row_groups * g.groups);
      const std::int64_t oh0 = rg * R, nr = std::min(R, v.H_out - oh0);
      const std::int64_t c0 = split * range, cols = std::min(range, v.W_out - c0);
      const float* xg = x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W;
      // The padded input rows some output row of the job reads (with a stride larger than
      // the kernel, not all of them), zeros for rows of zero padding.
      const std::int64_t used = (cols - 1) * g.sw + (g.KW - 1) * g.dw + 1;
      std::fill(filled.begin(), filled.end(), false);
      for (std::int64_t r = 0; r < nr; ++r) {
        for (std::int64_t kh = 0; kh < g.KH; ++kh) {
          const std::int64_t local = r * g.sh + kh * g.dh;
          if (filled[static_cast<std::size_t>(local)]) continue;
          filled[static_cast<std::size_t>(local)] = true;
          const std::int64_t ih =
              ref::source_index((oh0 + r) * g.sh + kh * g.dh - g.pt, v.H, v.mode);
          for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
            float* dst = buffer + (ic * in_rows + local) * width;
            if (ih < 0) {
              std::fill_n(dst, used, 0.0f);
            } else {
              fill_padded_row(v, xg + (ic * v.H + ih) * v.W, dst, used, c0 * g.sw);
            }
          }
        }
      }
      for (std::int64_t r = 0; r < nr; ++r) {
        const float** out = rows.data() + r * n_rows;
        for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
          for (std::int64_t kh = 0; kh < g.KH; ++kh) {
            *out++ = buffer + (ic * in_rows + r * g.sh + kh * g.dh) * width;
          }
        }
      }
      OcBlocksArgs args{};
      args.row.KW = g.KW;
      args.row.sw = g.sw;
      args.row.dw = g.dw;
      args.row.wrap = wrap ? v.W_out : 0;
      args.row.row_step = g.sh * width;
      args.row.plane = plane;
      args.row.cols = wrap ? nr * v.W_out : cols;
      args.rows = rows.data();
      args.n_rows = n_rows;
      args.calls = std::min(calls, nr);
      args.weights = pw.weights(grp, 0);
      args.block_size = pw.block_size;
      args.bias = bias.data() + grp * pw.blocks_per_group * block;
      args.M = g.C_out_g;
      args.y = y.data() + ((n * g.C_out + grp * g.C_out_g) * v.H_out + oh0) * v.W_out + c0;
      args.call_step = v.W_out;
      args.partial = partial;
      args.row.prefetch = prefetch;
      direct_oc_avx512_blocks(args);
    }
  });
}
// [docs:end]

}  // namespace

void conv2d_detail::direct_oc_avx512_blocks(const OcBlocksArgs& b) {
  const std::int64_t block = kAvx512OcBlock;
  const std::int64_t max_rows = std::max<std::int64_t>(1, 32 * 1024 / 4 / (b.row.KW * block));
  const std::int64_t passes = (b.n_rows + max_rows - 1) / max_rows;
  const std::int64_t per_pass = (b.n_rows + passes - 1) / passes;
  const std::int64_t blocks = (b.M + block - 1) / block;
  const std::int64_t per_call = oc_partial_floats(1, 1, b.row.cols);
  OcRowArgs a = b.row;
  auto run = [&](std::int64_t pass, std::int64_t blk) {
    const std::int64_t first_row = pass * per_pass;
    a.n_rows = std::min(per_pass, b.n_rows - first_row);
    a.first = pass == 0;
    a.last = pass == passes - 1;
    a.wq = b.weights + blk * b.block_size + first_row * a.KW * block;
    a.bias = b.bias + blk * block;
    a.ocb = std::min(block, b.M - blk * block);
    for (std::int64_t r = 0; r < b.calls; ++r) {
      a.rows = b.rows + r * b.n_rows + first_row;
      a.partial = b.partial + (blk * b.calls + r) * per_call;
      a.y0 = b.y + blk * block * a.plane + r * b.call_step;
      direct_oc_avx512_row(a);
    }
  };
  if (b.blocks_outer) {
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      for (std::int64_t pass = 0; pass < passes; ++pass) run(pass, blk);
    }
  } else {
    for (std::int64_t pass = 0; pass < passes; ++pass) {
      for (std::int64_t blk = 0; blk < blocks; ++blk) run(pass, blk);
    }
  }
}

void conv2d_direct_oc_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p, Tensor<float>& y) {
  conv2d_detail::run_blocked_weights("conv2d_direct_oc_avx512", conv2d_direct_oc_avx512_supports,
                                     conv2d_detail::kAvx512OcBlock, run, x, w, b, p, y);
}

Conv2dPreparedRun conv2d_direct_oc_avx512_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                                  const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_blocked_weights("conv2d_direct_oc_avx512",
                                                conv2d_direct_oc_avx512_supports,
                                                conv2d_detail::kAvx512OcBlock, run, x, w, b, p);
}

}  // namespace convlab
