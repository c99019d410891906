// upsample2d_backward_vc: the gradient of nearest and bilinear upsampling, as gathers over the
// outputs that read each input, a vertical pass in Vc vectors then a horizontal pass.
//
//   dx[ih][iw] = sum_{a, b in {0, 1}} sum_{oh: ih_a(oh) = ih} sum_{ow: iw_b(ow) = iw}
//                    lh_a(oh) * lw_b(ow) * dy[oh][ow]
//
// with the forward's taps (kernels/pool/upsample_common.hpp); nearest has the single tap a = b =
// 0 of weight 1, so dx is the sum of the block of dy that copied each input (for integer scales
// the scale_h x scale_w block at (ih * scale_h, iw * scale_w)).
//
// Parent: upsample2d_backward_reference. What this adds: the reference scatters every dy into dx
// through 4-D accessors. Here each input is a gather instead: the taps are non-decreasing in the
// output index, so the outputs reading input ih through tap a are one range of rows, found once
// per problem (and likewise for columns). Per input row ih:
//   vertical:   r[ow] = sum_a sum_{oh in rows_a(ih)} lh_a(oh) * dy[oh][ow], in Vc vectors along
//               ow with the sum held in a register (dy rows read in place, r written once);
//   horizontal: dx[ih][iw] = sum_b sum_{ow in cols_b(iw)} lw_b(ow) * r[ow].
// The horizontal pass is vectorized where its ranges are regular: nearest with W_out a multiple
// s of W is a sum pooling of r with kernel s and stride s, read with pool_vc.hpp's strided loads
// (unit, deinterleave, gather) for L = float_v::size() inputs at a time. Bilinear and nearest
// with a non-integer scale sum their ranges one input at a time (scalar; the ranges vary and
// overlap): that pass touches H * W_out values against the vertical pass's H_out * W_out.
// Inputs no output reads (shrinking) get 0. Every tap the reference reads is read, weight 0
// included, so an inf in dy gives the same NaN (0 * inf) as the reference.
// Accuracy: nearest adds dy values with weight 1: the plain bound (K = the terms). Bilinear:
// float weights (one rounding each), FMA sums of at most the rows then the columns of one
// input's ranges: fewer roundings per term than the reference's K = T + 6 (dispatch.cpp).
// Memory: per thread, one row of W_out floats.
#include <Vc/Vc>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/pool/pool_vc.hpp"
#include "kernels/pool/upsample_common.hpp"

namespace convlab {
namespace {

using pool_detail::kLanes;
using pool_detail::Load;
using Vc::float_v;

// One axis of the adjoint: for input i, the outputs [begin_a[i], end_a[i]) read it through tap
// a (empty when begin == end), and each output's weights rounded to float.
struct Gathers {
  std::vector<std::int64_t> begin[2], end[2];
  std::vector<float> weight[2];
};

Gathers axis_gathers(std::int64_t in, std::int64_t out, const Upsample2dParams& p) {
  const pool_detail::UpsampleTaps t = pool_detail::upsample_axis_taps(in, out, p);
  Gathers g;
  for (int a = 0; a < 2; ++a) {
    g.begin[a].assign(static_cast<std::size_t>(in), 0);
    g.end[a].assign(static_cast<std::size_t>(in), 0);
    const std::vector<std::int64_t>& src = a == 0 ? t.i0 : t.i1;
    const std::vector<double>& w = a == 0 ? t.w0 : t.w1;
    for (std::int64_t dst = 0; dst < out; ++dst) {
      const auto i = static_cast<std::size_t>(src[static_cast<std::size_t>(dst)]);
      if (g.begin[a][i] == g.end[a][i]) g.begin[a][i] = dst;  // the first output reading i
      g.end[a][i] = dst + 1;  // contiguous: the taps are non-decreasing in dst
      g.weight[a].push_back(static_cast<float>(w[static_cast<std::size_t>(dst)]));
    }
  }
  return g;
}

// The horizontal pass of nearest with W_out = s * W: dx_row[iw] = sum_{j < s} r[iw * s + j],
// L inputs at a time. r holds zeros past W_out, up to padded_row_width(...) below.
template <Load K>
void block_sums(const float* r, std::int64_t W, std::int64_t s, float* dx_row) {
  const float_v::IndexType stride_index =
      float_v::IndexType(Vc::IndexesFromZero) * static_cast<int>(s);
  for (std::int64_t iw = 0; iw < W; iw += kLanes) {
    float_v acc = float_v::Zero();
    for (std::int64_t j = 0; j < s; ++j) {
      acc += pool_detail::load_tap<K>(r, iw, s, j, stride_index);
    }
    pool_detail::store_lanes(acc, dx_row + iw, std::min(kLanes, W - iw));
  }
}

}  // namespace

void upsample2d_backward_vc(const Tensor<float>& x, const Tensor<float>& dy,
                            const Upsample2dParams& p, Tensor<float>& dx) {
  const Shape out = upsample2d_output_shape(x.shape(), p);
  require_same_shape("upsample2d_backward_vc", "dy", dy.shape(), out);
  require_same_shape("upsample2d_backward_vc", "dx", dx.shape(), x.shape());
  const std::int64_t planes = x.dim(0) * x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];
  if (dx.numel() == 0) return;  // no input to receive a gradient (and no taps to compute)
  const bool nearest = p.mode == UpsampleMode::nearest;
  const int taps = nearest ? 1 : 2;  // nearest reads tap 0 only, as the reference
  const Gathers gh = axis_gathers(H, H_out, p), gw = axis_gathers(W, W_out, p);
  // Nearest with an integer width scale s: the horizontal pass as sums of s-blocks (see top).
  const std::int64_t s = nearest && W_out % W == 0 ? W_out / W : 0;
  const std::int64_t row_width =
      std::max(pool_detail::round_up_to_lanes(W_out),
               s > 0 ? pool_detail::padded_row_width(pool_detail::round_up_to_lanes(W), s, s, 1)
                     : std::int64_t{0});
  const std::int64_t full = W_out / kLanes * kLanes;  // columns in whole vectors
  parallel_region(pool_detail::worth_threads(dx.numel() + dy.numel()), [&] {
    std::vector<float> row(static_cast<std::size_t>(row_width), 0.0f);  // zeros past W_out
    float* r = row.data();
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* gp = dy.data() + pl * H_out * W_out;
      float* dp = dx.data() + pl * H * W;
      for (std::int64_t ih = 0; ih < H; ++ih) {
        const auto i = static_cast<std::size_t>(ih);
        // Vertical: r = the weighted sum of the dy rows that read input row ih.
        for (std::int64_t ow = 0; ow < full; ow += kLanes) {
          float_v acc = float_v::Zero();
          for (int a = 0; a < taps; ++a) {
            for (std::int64_t oh = gh.begin[a][i]; oh < gh.end[a][i]; ++oh) {
              const float_v g(gp + oh * W_out + ow, Vc::Unaligned);
              acc = nearest ? acc + g
                            : Vc::fma(float_v(gh.weight[a][static_cast<std::size_t>(oh)]), g, acc);
            }
          }
          acc.store(r + ow, Vc::Unaligned);
        }
        for (std::int64_t ow = full; ow < W_out; ++ow) {
          float acc = 0;
          for (int a = 0; a < taps; ++a) {
            for (std::int64_t oh = gh.begin[a][i]; oh < gh.end[a][i]; ++oh) {
              const float g = gp[oh * W_out + ow];
              acc =
                  nearest ? acc + g : std::fma(gh.weight[a][static_cast<std::size_t>(oh)], g, acc);
            }
          }
          r[ow] = acc;
        }
        // Horizontal: dx[ih][iw] = the weighted sum of r over the columns that read iw.
        float* dx_row = dp + ih * W;
        if (s == 1) {
          block_sums<Load::unit>(r, W, s, dx_row);
        } else if (s == 2) {
          block_sums<Load::even>(r, W, s, dx_row);
        } else if (s > 2) {
          block_sums<Load::gather>(r, W, s, dx_row);
        } else {
          for (std::int64_t iw = 0; iw < W; ++iw) {
            const auto k = static_cast<std::size_t>(iw);
            float acc = 0;
            for (int b = 0; b < taps; ++b) {
              for (std::int64_t ow = gw.begin[b][k]; ow < gw.end[b][k]; ++ow) {
                acc = nearest ? acc + r[ow]
                              : std::fma(gw.weight[b][static_cast<std::size_t>(ow)], r[ow], acc);
              }
            }
            dx_row[iw] = acc;
          }
        }
      }
    }
  });
}

}  // namespace convlab
