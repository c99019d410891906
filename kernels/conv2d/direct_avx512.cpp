// conv2d_direct_avx512: conv2d_direct_vc_ow's algorithm with AVX-512 registers, and threads.
//
// Parent: conv2d_direct_vc_ow. What this adds: Vc 1.4 stops at AVX2 (8 floats, 16 registers);
// AVX-512 doubles the vector width and the register file (32 zmm), so a tile grows from 6
// channels x 16 columns to 12 channels x 32 columns and each loaded input vector feeds twice as
// many FMAs. Width tails use AVX-512 masked stores instead of a scalar copy. Output rows
// (n, group, oh) are independent, so OpenMP splits them across threads; each output is still
// computed by one thread in the same (ic, kh, kw) order, so the result does not depend on the
// number of threads. The inner loop is in direct_avx512_row.cpp, compiled with AVX-512 flags;
// supports() refuses on CPUs without AVX-512F, so this file never reaches it there.
// Accuracy: each output is one float dot product (FMA) over (ic, kh, kw), the plain bound.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/direct_avx512_row.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {

std::string conv2d_direct_avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (!gemm_avx512_supported()) return "this CPU has no AVX-512F";
  if (p.stride_w != 1) {
    return "vectors along the output width need stride_w == 1 (conv2d_direct_vc_oc takes any "
           "stride)";
  }
  return "";
}

void conv2d_direct_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y) {
  using namespace conv2d_detail;
  const Geometry g = geometry("conv2d_direct_avx512", x, w, b, p, y,
                              conv2d_direct_avx512_supports(p, x.shape(), w.shape()));
  const PackedWeights pw = pack_weights(g, w, b, kAvx512Block);
  // Padded rows wide enough for whole vectors past the last output column.
  const std::int64_t width = (g.W_out + 15) / 16 * 16 + (g.KW - 1) * g.dw;
  const std::int64_t n_rows = g.C_in_g * g.KH, plane = g.H_out * g.W_out;
  const std::int64_t jobs = g.N * g.groups * g.H_out;
  // Columns per chunk: a multiple of 32 whose slice of all rows fits in ~24 KiB of L1.
  const std::int64_t chunk =
      std::max<std::int64_t>(32, (24 * 1024 / 4 / n_rows - (g.KW - 1) * g.dw) / 32 * 32);
  // Threads only pay off above ~1 MFLOP: waking them costs more on small problems.
  const bool parallel = jobs * g.C_out_g * n_rows * g.KW * g.W_out > (std::int64_t{1} << 20);
  parallel_region(parallel, [&] {
    std::vector<float> buffer(static_cast<std::size_t>(n_rows * width));
    std::vector<const float*> rows(static_cast<std::size_t>(n_rows));
#pragma omp for schedule(static)
    for (std::int64_t job = 0; job < jobs; ++job) {
      const std::int64_t n = job / (g.groups * g.H_out), grp = job / g.H_out % g.groups,
                         oh = job % g.H_out;
      const float* xg = x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W;
      for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
        for (std::int64_t kh = 0; kh < g.KH; ++kh) {
          const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
          const std::size_t ick = static_cast<std::size_t>(ic * g.KH + kh);
          float* dst = buffer.data() + ick * static_cast<std::size_t>(width);
          rows[ick] = ih < 0 ? nullptr : dst;
          if (ih >= 0) fill_padded_row(g, xg + (ic * g.H + ih) * g.W, dst, width);
        }
      }
      // Column chunks outside, channel blocks inside: the chunk of every input row stays in
      // the L1 cache while all channel blocks read it (whole rows of a 224-wide VGG layer
      // would stream from L2 once per block).
      for (std::int64_t ow0 = 0; ow0 < g.W_out; ow0 += chunk) {
        for (std::int64_t blk = 0; blk < pw.blocks_per_group; ++blk) {
          const std::int64_t oc0 = grp * g.C_out_g + blk * kAvx512Block;
          const std::int64_t ocb = std::min(kAvx512Block, g.C_out_g - blk * kAvx512Block);
          float* y0 = y.data() + ((n * g.C_out + oc0) * g.H_out + oh) * g.W_out;
          direct_avx512_row(rows.data(), n_rows, g.KW, g.dw, pw.weights(grp, blk),
                            pw.bias(grp, blk), ocb, y0, plane, ow0, std::min(g.W_out, ow0 + chunk));
        }
      }
    }
  });
}

}  // namespace convlab
