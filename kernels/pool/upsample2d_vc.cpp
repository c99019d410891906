// upsample2d_vc: nearest and bilinear upsampling with precomputed source columns and Vc
// gathers along the output width.
//
//   nearest:  y[oh][ow] = x[src_h(oh)][src_w(ow)]
//   bilinear: y[oh][ow] = lh0 * r(ih0)[ow] + lh1 * r(ih1)[ow],
//             r(ih)[ow] = lw0[ow] * x[ih][iw0[ow]] + lw1[ow] * x[ih][iw1[ow]]
//
// Parent: upsample2d_reference. What this adds: the source indices and weights depend only on
// the output column (or row), so they are computed once per problem, in double exactly as the
// reference computes them (the same floor, the same clamping), and the weights rounded to
// float once. An output row is then L = float_v::size() gathers at a time. Nearest: output
// rows that read the same source row as the previous one are copied from it. Bilinear: the
// horizontal interpolation r(ih) of an input row is computed once and kept while consecutive
// output rows read it (two row buffers), then two rows are blended per output row.
// All four taps are read as in the reference, so an inf beside a sampled pixel still gives NaN
// (0 * inf).
// Accuracy: nearest copies, exact. Bilinear: each term of M = bilinear(|x|) meets the rounding
// of the input, of its two weights and of 4 float operations: about 7 u per term, inside the
// reference's scale 6 M (at eps = 2u, 12 u). Memory: per-column tables and two interpolated rows.
#include <Vc/Vc>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/pool/upsample_common.hpp"

namespace convlab {
namespace {

using Vc::float_v;
constexpr std::int64_t kLanes = static_cast<std::int64_t>(float_v::size());
using Index = float_v::IndexType::EntryType;

}  // namespace

void upsample2d_vc(const Tensor<float>& x, const Upsample2dParams& p, Tensor<float>& y) {
  const Shape out = upsample2d_output_shape(x.shape(), p);
  require_same_shape("upsample2d_vc", "y", y.shape(), out);
  const std::int64_t planes = x.dim(0) * x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];
  const std::int64_t padded_w = (W_out + kLanes - 1) / kLanes * kLanes;
  const pool_detail::UpsampleTaps th = pool_detail::upsample_axis_taps(H, H_out, p);
  const pool_detail::UpsampleTaps tw = pool_detail::upsample_axis_taps(W, W_out, p);
  // Per output column (padded to whole vectors; padding lanes read column 0 with weight 0).
  Vc::Memory<float_v::IndexType> col0(static_cast<std::size_t>(padded_w));
  Vc::Memory<float_v::IndexType> col1(static_cast<std::size_t>(padded_w));
  Vc::Memory<float_v> lw0(static_cast<std::size_t>(padded_w)),
      lw1(static_cast<std::size_t>(padded_w));
  for (std::int64_t ow = 0; ow < padded_w; ++ow) {
    const bool real = ow < W_out;
    const auto k = static_cast<std::size_t>(ow);
    col0[k] = static_cast<Index>(real ? tw.i0[k] : 0);
    col1[k] = static_cast<Index>(real ? tw.i1[k] : 0);
    lw0[k] = real ? static_cast<float>(tw.w0[k]) : 0.0f;
    lw1[k] = real ? static_cast<float>(tw.w1[k]) : 0.0f;
  }
  const bool nearest = p.mode == UpsampleMode::nearest;
  parallel_region(pool_detail::worth_threads(x.numel() + y.numel()), [&] {
    // Bilinear: the interpolated rows of two input rows, and which rows they hold.
    Vc::Memory<float_v> rows(static_cast<std::size_t>(2 * padded_w));
    alignas(64) float lanes[kLanes];
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * H * W;
      float* yp = y.data() + pl * H_out * W_out;
      std::int64_t held[2] = {-1, -1};
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        float* yr = yp + oh * W_out;
        if (nearest) {
          const std::int64_t ih = th.i0[static_cast<std::size_t>(oh)];
          if (oh > 0 && ih == th.i0[static_cast<std::size_t>(oh - 1)]) {
            std::memcpy(yr, yr - W_out, static_cast<std::size_t>(W_out) * sizeof(float));
            continue;
          }
          const float* xr = xp + ih * W;
          for (std::int64_t ow = 0; ow < W_out; ow += kLanes) {
            const float_v v(xr, float_v::IndexType(col0.entries() + ow, Vc::Aligned));
            if (ow + kLanes <= W_out) {
              v.store(yr + ow, Vc::Unaligned);
            } else {
              v.store(lanes, Vc::Aligned);
              std::copy(lanes, lanes + (W_out - ow), yr + ow);
            }
          }
          continue;
        }
        // The horizontal interpolations of the two source rows, reusing a row already held.
        const std::int64_t need[2] = {th.i0[static_cast<std::size_t>(oh)],
                                      th.i1[static_cast<std::size_t>(oh)]};
        float* r[2] = {nullptr, nullptr};
        for (int a = 0; a < 2; ++a) {
          for (int b = 0; b < 2; ++b) {
            if (held[b] == need[a]) r[a] = rows.entries() + b * padded_w;
          }
        }
        for (int a = 0; a < 2; ++a) {
          if (r[a] != nullptr) continue;
          // A buffer the other needed row does not use.
          const int b = (r[1 - a] == rows.entries()) ? 1 : 0;
          r[a] = rows.entries() + b * padded_w;
          held[b] = need[a];
          const float* xr = xp + need[a] * W;
          for (std::int64_t ow = 0; ow < padded_w; ow += kLanes) {
            const float_v x0(xr, float_v::IndexType(col0.entries() + ow, Vc::Aligned));
            const float_v x1(xr, float_v::IndexType(col1.entries() + ow, Vc::Aligned));
            const float_v v = float_v(lw0.entries() + ow, Vc::Aligned) * x0 +
                              float_v(lw1.entries() + ow, Vc::Aligned) * x1;
            v.store(r[a] + ow, Vc::Aligned);
          }
        }
        const float_v wh0(static_cast<float>(th.w0[static_cast<std::size_t>(oh)]));
        const float_v wh1(static_cast<float>(th.w1[static_cast<std::size_t>(oh)]));
        for (std::int64_t ow = 0; ow < W_out; ow += kLanes) {
          const float_v v =
              wh0 * float_v(r[0] + ow, Vc::Aligned) + wh1 * float_v(r[1] + ow, Vc::Aligned);
          if (ow + kLanes <= W_out) {
            v.store(yr + ow, Vc::Unaligned);
          } else {
            v.store(lanes, Vc::Aligned);
            std::copy(lanes, lanes + (W_out - ow), yr + ow);
          }
        }
      }
    }
  });
}

}  // namespace convlab
